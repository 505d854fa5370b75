import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { emulateCommand } from './emulate.js';
import { EXIT } from './exit.js';
import { listCommand } from './list.js';
import { type RunCommandOptions, runCommand } from './run.js';
import { schemasCommand } from './schemas.js';
import { type ServeOptions, serveCommand } from './serve.js';
import { validateCommand } from './validate.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('chargebench')
  .description('HIL test harness and EV charger emulator: OCPP 1.6J/2.0.1 stations, emulated CSMS, traces')
  .version(pkg.version)
  .exitOverride();

let exitCode: number = EXIT.PASSED;

program
  .command('emulate')
  .description('start the rig\'s virtual devices (CSMS and EVSEs), print a "ready" line, run until SIGINT/SIGTERM')
  .requiredOption('--rig <file>', 'rig file (YAML)')
  .option('--trace <file>', 'JSONL trace file (default: <rig trace.dir>/emulate-<time>.jsonl)')
  .option('--seed <n>', 'seed of the random streams (default: the rig\'s)')
  .option('--connect-timeout <s>', 'seconds to wait for every EVSE to connect', '30')
  .action(async (opts: { rig: string; trace?: string; seed?: string; connectTimeout: string }) => {
    exitCode = await emulateCommand(opts);
  });

program
  .command('serve')
  .description('start the rig in real time with the control API, a live event stream (WebSocket /api/events) and the dashboard on one port; run until SIGINT/SIGTERM')
  .requiredOption('--rig <file>', 'rig file (YAML)')
  .option('--port <n>', 'port (0: any free port; the ready line prints the URL)', '0')
  .option('--host <address>', 'address to bind; beyond loopback a token is required', '127.0.0.1')
  .option('--token-env <name>', 'environment variable holding the token every request must carry (Authorization: Bearer)')
  .option('--output-dir <dir>', 'folder for the reports and traces of plan runs started through the API', 'out/serve')
  .option('--trace <file>', 'JSONL trace file of the live rig (default: <rig trace.dir>/serve-<time>.jsonl)')
  .option('--seed <n>', 'seed of the random streams (default: the rig\'s)')
  .option('--connect-timeout <s>', 'seconds to wait for every EVSE to connect before the ready line', '30')
  .action(async (opts: ServeOptions) => {
    exitCode = await serveCommand(opts);
  });

program
  .command('run')
  .description('run test plans against a rig; exit 0 all passed, 1 a test failed, 2 invalid usage/plan/rig, 3 infrastructure, 130 interrupted')
  .argument('<plans...>', 'plan files (YAML)')
  .requiredOption('--rig <file>', 'rig file (YAML)')
  .option('--reporter <names>', 'comma-separated reporters: list, json, junit', 'list,json')
  .option('--output-dir <dir>', 'folder for report.json and junit.xml', 'out')
  .option('--seed <n>', 'seed of the random streams (default: the rig\'s)')
  .option('--grep <pattern>', 'only plans whose name, file or a tag matches this regular expression (case-insensitive)')
  .option('--budget-scale <f>', 'multiply every time budget (slow benches), recorded in the report', '1')
  .option('--param <name=value>', 'a plan parameter: "${name}" in the plans becomes value (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--continue', 'after a failed step, record it and go on with the plan (as if every step had continue: true)')
  .action(async (plans: string[], opts: RunCommandOptions) => {
    exitCode = await runCommand(plans, opts);
  });

program
  .command('list')
  .description('print each plan\'s name and steps; list every problem of invalid plans')
  .argument('<plans...>', 'plan files (YAML)')
  .action((plans: string[]) => {
    exitCode = listCommand(plans);
  });

program
  .command('validate')
  .description('check rig and plan files with the checks run and emulate make, and list every problem with its file and field; '
    + 'a file is a plan when its $schema names plan.schema.json or it has steps/timeout/tags, a rig when its $schema names rig.schema.json or it has devices; '
    + 'with --rig, the plans are also checked against that rig as run does (stations, marks, meters, steps its devices cannot do)')
  .argument('[files...]', 'rig or plan files')
  .option('--rig <file>', 'also check this rig, and check the plans against it (as run --rig would)')
  .option('--kind <kind>', 'plan or rig: take every file as this kind instead of telling them apart')
  .option('--param <name=value>', 'a plan parameter (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .action((files: string[], opts: { rig?: string; kind?: string; param: string[] }) => {
    exitCode = validateCommand(files, opts);
  });

program
  .command('schemas')
  .description('write the JSON Schema files for rig files (editor autocompletion)')
  .option('--out <dir>', 'output folder', 'schemas')
  .action((opts: { out: string }) => {
    exitCode = schemasCommand(opts.out);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    exitCode = err.exitCode === 0 ? EXIT.PASSED : EXIT.INVALID;
  } else {
    throw err;
  }
}
process.exit(exitCode);
