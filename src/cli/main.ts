import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { emulateCommand } from './emulate.js';
import { EXIT } from './exit.js';
import { schemasCommand } from './schemas.js';
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
  .command('validate')
  .description('check rig files and list every problem with its file and field')
  .argument('<files...>', 'rig files')
  .action((files: string[]) => {
    exitCode = validateCommand(files);
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
