import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { emulateCommand, type EmulateOptions } from './emulate.js';
import { importCommand } from './import.js';
import { planFromTraceCommand } from './plan-from-trace.js';
import { replayCommand } from './replay.js';
import { EXIT } from './exit.js';
import { listCommand } from './list.js';
import { draftProfileCommand, type MatrixCommandOptions, matrixCommand } from './matrix.js';
import { mergeReportsCommand } from './merge-reports.js';
import { type MetricsCommandOptions, metricsCommand } from './metrics.js';
import { type RunCommandOptions, runCommand } from './run.js';
import { schemasCommand } from './schemas.js';
import { traceExportCommand } from './trace-export.js';
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
  .option('--connect-timeout <s>', 'seconds to wait for every EVSE to connect (counted from the last power-up under --connect-rate)', '30')
  .option('--workers <n>', 'station worker processes (the CSMS gets its own); 0: all in this process; auto: from the station count, CPUs and the descriptor limit', 'auto')
  .option('--connect-rate <n>', 'power-ups per second (e.g. 500 or 500/s; unlimited: all at once)', '1000')
  .option('--connect-concurrency <n>', 'stations whose connection and boot are under way at once, at most (unlimited: no bound)', '100')
  .option('--shard <i/n>', 'run the i-th of n slices of the rig\'s stations against a shared CSMS; auto/n takes i from JOB_COMPLETION_INDEX (Kubernetes Indexed Job, 0-based)')
  .option('--csms-url <url>', 'connect the stations to this CSMS (ws:// or wss://) instead of starting the rig\'s')
  .action(async (opts: EmulateOptions) => {
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
  .option('--output-dir <dir>', 'folder for report.json, junit.xml and cases.json (plans with cases:)', 'out')
  .option('--seed <n>', 'seed of the random streams (default: the rig\'s)')
  .option('--grep <pattern>', 'only plans whose name, file or a tag matches this regular expression (case-insensitive)')
  .option('--budget-scale <f>', 'multiply every time budget (slow benches), recorded in the report', '1')
  .option('--param <name=value>', 'a plan parameter: "${name}" in the plans becomes value (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--continue', 'after a failed step, record it and go on with the plan (as if every step had continue: true)')
  .option('--shard <i/n>', 'run only the i-th of n parts of the plans (stable by plan path); join the parts with merge-reports')
  .option('--policies <names>', 'run the plans once per scheduling policy of the built-in CSMS (e.g. fcfs,commitment; reports under <output-dir>/<policy>/) and print the site scorecard side by side')
  .option('--pause-between-plans <duration>', 'pause after each plan\'s clean teardown before the next plan (e.g. "2s"; default: the rig\'s teardown.pauseBetweenPlans)')
  .option('--workers <n>', 'run the stations --load-stations names in n worker processes and the built-in CSMS in its own, so this process runs only what it measures; one merged trace per plan')
  .option('--load-stations <selector>', 'the load stations for --workers (one contiguous run of the rig\'s stations, e.g. "LOAD-*" or "evse[1..999]"); the plan\'s steps must not name them')
  .option('--busy-poll', 'real clock: keep this process\'s event loop polling instead of sleeping while a plan runs, so a frame is timestamped as it arrives, not when an idle process wakes (costs one core at 100 %)')
  .option('--wire-capture <iface>', 'real clock: capture the OCPP links on this interface with tshark (e.g. lo for 127.0.0.1, eth0 on a bench; needs root or dumpcap\'s capabilities; ws:// only) and time budgets from one frame to another on the kernel\'s timestamps; the pcapng file lies next to each plan\'s trace')
  .action(async (plans: string[], opts: RunCommandOptions) => {
    exitCode = await runCommand(plans, opts);
  });

program
  .command('matrix')
  .description('run every plan of a matrix file against every firmware profile; writes matrix.json, matrix-junit.xml and matrix.html; exit 1 only on unexpected results (a failure not listed as expected, or an unexpected pass)')
  .argument('<matrix>', 'matrix file (YAML), e.g. firmware-matrix/matrix.yaml')
  .option('--output-dir <dir>', 'folder for the matrix outputs and each cell\'s report.json and trace', 'out-matrix')
  .option('--shard <i/n>', 'run only the i-th of n parts of the cells (stable by plan and profile); join the parts with merge-reports')
  .option('--seed <n>', 'seed of every cell (default: the matrix\'s, else the rig\'s)')
  .option('--budget-scale <f>', 'multiply every time budget', '1')
  .action(async (file: string, opts: MatrixCommandOptions) => {
    exitCode = await matrixCommand(file, opts);
  });

program
  .command('merge-reports')
  .description('join the output folders of run --shard or matrix --shard into one report (report.json + junit.xml, or the matrix\'s three files)')
  .argument('<dirs...>', 'shard output folders')
  .option('--output-dir <dir>', 'folder for the merged report', 'out-merged')
  .action((dirs: string[], opts: { outputDir: string }) => {
    exitCode = mergeReportsCommand(dirs, opts);
  });

program
  .command('draft-profile')
  .description('turn a feature probe\'s report.json into a draft firmware profile (YAML)')
  .argument('<report>', 'report.json of a run of test-plans/feature-probe-16.yaml or -201.yaml')
  .requiredOption('--id <id>', 'id of the new profile (its file name without .yaml)')
  .option('--out <file>', 'write the profile here instead of printing it')
  .action(async (report: string, opts: { id: string; out?: string }) => {
    exitCode = await draftProfileCommand(report, opts);
  });

program
  .command('list')
  .description('print each plan\'s name and steps; list every problem of invalid plans')
  .argument('<plans...>', 'plan files (YAML)')
  .option('--cases', 'print the OCTT test-case coverage by id instead (id, OCPP version, title, plan file, needs: builtin-csms / operator / trigger)')
  .option('--rig <file>', 'with --cases: mark the cases this rig cannot run as not applicable, with the reason')
  .action((plans: string[], opts: { cases?: boolean; rig?: string }) => {
    exitCode = listCommand(plans, opts);
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

const importFlags = (cmd: Command): Command => cmd
  .option('--format <format>', 'auto, trace, ocpp-json, csv, text, candump or pcap', 'auto')
  .option('--perspective <side>', 'whose log it is: csms ("in" came from the station) or station', 'csms')
  .option('--station <identity>', 'station of lines that name none (a charger\'s own log)')
  .option('--columns <map>', 'CSV columns / text groups: ts=Time,station=ChargeBoxId,dir=Direction,frame=Message (or type=,id=,action=,payload=)')
  .option('--delimiter <char>', 'CSV delimiter', ',')
  .option('--pattern <regex>', 'text lines: a regular expression with named groups ts, station, dir, frame')
  .option('--max-gap <s>', 'compress gaps longer than this (seconds) to 1 s', '21600')
  .option('--modbus-port <port>', 'pcap: also decode this TCP port as Modbus/TCP (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--quiet', 'do not print each unreadable line');

importFlags(program
  .command('import')
  .description('import field evidence (OCPP-J logs, CSV/text exports, traces, candump, pcap) into a chargebench trace')
  .argument('<file>', 'log, export, trace or capture')
  .requiredOption('-o, --output <file>', 'trace to write (JSONL)')
  .option('--redact <kinds>', 'pseudonyms for idTags,serials,stations (seeded, consistent)')
  .option('--seed <n>', 'seed of the pseudonyms', '1'))
  .action(async (file: string, opts: Parameters<typeof importCommand>[1]) => {
    exitCode = await importCommand(file, opts);
  });

importFlags(program
  .command('replay')
  .description('re-send recorded station frames to the rig\'s control stack and diff its answers against the field; exit 0 same, 1 different')
  .argument('<trace>', 'chargebench trace, or a field log to import first')
  .requiredOption('--rig <file>', 'rig whose control stack answers (built-in CSMS, or an evse csmsUrl)')
  .option('--speed <x>', '1 = recorded pace, 10 = ten times faster, max = as fast as answers allow', '1')
  .option('--stations <ids>', 'only these recorded stations (comma-separated)')
  .option('--csms-url <url>', 'replay against this CSMS (ws://host:port/path) instead of the rig\'s')
  .option('--output-dir <dir>', 'folder for replay.json and the replay\'s trace', 'out/replay')
  .option('--answer-timeout <s>', 'seconds to wait for each answer', '30')
  .option('--settle <s>', 'after the last station CALL, seconds to wait for the control stack\'s remaining CALLs', '2')
  .option('--timing-tolerance <ms>', 'an answer this much slower than in the field is a difference', '1000')
  .option('--ignore <actions>', 'control-stack actions left out of the missing/extra comparison'))
  .action(async (file: string, opts: Parameters<typeof replayCommand>[1]) => {
    exitCode = await replayCommand(file, opts);
  });

importFlags(program
  .command('plan-from-trace')
  .description('turn a trace (or field log) into an editable plan: send the recorded station CALLs, expect the answers, with budgets')
  .argument('<trace>', 'chargebench trace, or a field log to import first')
  .requiredOption('-o, --output <file>', 'plan file to write (YAML)')
  .option('--expect <kind>', 'regression: expect the good answer where the field answer was a failure (the plan fails until the fault is fixed); field: expect exactly the field answers', 'regression')
  .option('--stations <ids>', 'only these recorded stations (comma-separated)')
  .option('--name <name>', 'plan name'))
  .action(async (file: string, opts: Parameters<typeof planFromTraceCommand>[1]) => {
    exitCode = await planFromTraceCommand(file, opts);
  });

program
  .command('trace')
  .description('work with JSONL traces')
  .command('export')
  .description('export the CAN frames of a trace (candump log format: can-utils, python-can)')
  .argument('<trace>', 'JSONL trace file')
  .option('--format <format>', 'export format', 'candump')
  .option('--out <file>', 'output file (default: stdout)')
  .option('--start <epoch-seconds>', 'added to the trace\'s monotonic time', '0')
  .action(async (file: string, opts: { format: string; out?: string; start: string }) => {
    exitCode = await traceExportCommand(file, opts);
  });

program
  .command('metrics')
  .description('the three site metrics (transaction success, delivered cost per kWh with utilisation by hour, sessions per installed kVA) from traces alone; several traces side by side')
  .argument('<traces...>', 'JSONL trace files (e.g. one per policy)')
  .option('--tariff <file>', 'tariff YAML (bands, demand charge, curtailment) instead of the one the scenario wrote to the trace')
  .option('--kva <n>', 'installed kVA of the site (default: the scenario\'s record of the rig\'s site.installedKva)')
  .option('--label <names>', 'comma-separated column names, one per trace')
  .option('--json <file>', 'also write the metrics as JSON')
  .option('--html <file>', 'also write an HTML report with plots (site power vs limit with DR windows and tariff bands, queue, sessions, cost)')
  .action(async (traces: string[], opts: MetricsCommandOptions) => {
    exitCode = await metricsCommand(traces, opts);
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
