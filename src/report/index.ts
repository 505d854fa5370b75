import { ERROR_CODES, HarnessError } from '../core/errors.js';
import type { Reporter } from '../runner/reporter.js';
import { JsonReporter } from './json-report.js';
import { JunitReporter } from './junit.js';
import { ListReporter, type ListReporterOptions, type OutStream } from './list-reporter.js';

export {
  CASE_MARK, caseVerdict, countVerdicts, formatCaseVerdicts, notApplicableOn, rigOffers, type CaseVerdict, type CaseVerdictStatus, type RigOffers,
} from './case-verdicts.js';
export { JSON_REPORT_FILE, JsonReporter, readReport, renderJson } from './json-report.js';
export { JUNIT_FILE, JunitReporter, escapeXmlAttr, escapeXmlText, leafSteps, renderJunit } from './junit.js';
export {
  ListReporter, formatBudget, formatPlanSummary, formatRunSummary, formatStep, formatStepLine, formatTime, useColor,
  type FormatOptions, type ListReporterOptions, type OutStream,
} from './list-reporter.js';
export { PROGRESS_LINE_EVERY_MS, PROGRESS_TTY_EVERY_MS, StepProgress, formatElapsed, type ProgressOptions, type ProgressOutput } from './progress.js';
export { answerText, causeLabel, interruptedStepMessage, interruptedText, messageWithCause, printable } from './step-text.js';

export const REPORTER_NAMES = ['list', 'json', 'junit'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** "list, json,junit" -> ["list", "json", "junit"] (empty entries dropped, duplicates removed). */
export function parseReporterNames(spec: string): string[] {
  return [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
}

function isReporterName(name: string): name is ReporterName {
  return (REPORTER_NAMES as readonly string[]).includes(name);
}

/**
 * The reporters named by `--reporter list,json,junit`, in that order. File reporters write into
 * `outputDir`; the list reporter writes to `stream` (default process.stdout). An unknown name is a
 * usage error naming it and the valid ones. `list` options (e.g. the wall clock for its progress line)
 * go to the list reporter.
 */
export function createReporters(names: string[], outputDir: string, stream?: OutStream, list: ListReporterOptions = {}): Reporter[] {
  const unknown = names.filter((n) => !isReporterName(n));
  if (unknown.length > 0) {
    throw new HarnessError(
      ERROR_CODES.USAGE,
      `unknown reporter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')} (valid: ${REPORTER_NAMES.join(', ')})`,
      { reporters: unknown },
    );
  }
  if (names.length === 0) {
    throw new HarnessError(ERROR_CODES.USAGE, `no reporter given (valid: ${REPORTER_NAMES.join(', ')})`);
  }
  return [...new Set(names)].map((name): Reporter => {
    switch (name as ReporterName) {
      case 'list':
        return new ListReporter(stream, list);
      case 'json':
        return new JsonReporter(outputDir);
      case 'junit':
        return new JunitReporter(outputDir);
    }
  });
}
