import { Chalk, type ChalkInstance } from 'chalk';
import { MIN_SPINNER_COLUMNS, Spinner } from './spinner.js';
import type { CliIO } from './io.js';
import { printableJson, printableLine, printableRow, printableText } from '../printable.js';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** -q: nothing on stdout or stderr unless the command fails; then all of it, in order (cron mails only failures). */
  quiet?: boolean;
}

/**
 * The one place that prints. Results go to stdout (text, or one JSON document
 * with --json); progress, warnings and errors go to stderr, so `> file` and
 * `| jq` always get clean data. Colour only on a terminal and never with NO_COLOR.
 * Everything printed passes through printableText/printableJson here, because
 * much of it came from a CA or a manager: their control characters are shown as
 * escapes, never obeyed by the terminal.
 */
export class Output {
  readonly #io: CliIO;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly colour: ChalkInstance;
  /** What -q held back: printed by releaseHeld() when the command fails. */
  readonly #held: { stream: 'stdout' | 'stderr'; data: string | Uint8Array; level?: 'warn' | 'debug' }[] = [];
  #hasResult = false;
  #spinner: Spinner | undefined;

  constructor(io: CliIO, options: OutputOptions) {
    this.#io = io;
    this.json = options.json;
    this.verbose = options.verbose;
    this.quiet = Boolean(options.quiet);
    const colourAllowed = io.isStderrTty && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
    this.colour = new Chalk({ level: colourAllowed ? 1 : 0 });
  }

  /**
   * The command's result: `data` as JSON with --json, else the text `render` makes
   * of it. A render that returns lines has each escaped on its own (printableRow)
   * before they are joined, so a newline inside a CA's or a manager's text cannot
   * make a line of its own; render functions that put outside text in several
   * lines return lines, not text they joined.
   */
  result<T>(data: T, render: (data: T) => string | readonly string[]): void {
    this.#hasResult = true;
    // --json was asked for by a program: it gets its document even with -q.
    if (this.json) this.#io.writeStdout(`${printableJson(data, 2)}\n`);
    else {
      const rendered = render(data);
      const text = typeof rendered === 'string' ? printableText(rendered) : rendered.map(printableRow).join('\n');
      if (text) this.#stdout(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** Raw bytes for stdout (key convert), bypassing JSON. */
  raw(data: string | Uint8Array): void {
    this.#hasResult = true;
    this.#io.writeStdout(data);
  }

  /** -q: prints what was held back (the command failed, so cron should mail all of it). */
  releaseHeld(): void {
    for (const item of this.#held.splice(0)) {
      if (item.stream === 'stdout') this.#io.writeStdout(item.data);
      else if (item.level) this.#io.writeStderr(String(item.data), item.level);
      else this.#io.writeStderr(String(item.data));
    }
  }

  #stdout(text: string): void {
    if (this.quiet) this.#held.push({ stream: 'stdout', data: text });
    else this.#io.writeStdout(text);
  }

  #stderr(text: string, level?: 'warn' | 'debug'): void {
    // A line printed while the spinner turns replaces its line; the spinner redraws below it.
    if (this.#spinner?.spinning && !this.quiet) this.#io.writeStderr('\r\x1b[K');
    if (this.quiet) this.#held.push({ stream: 'stderr', data: text, ...(level ? { level } : {}) });
    else if (level) this.#io.writeStderr(text, level);
    else this.#io.writeStderr(text);
  }

  get hasResult(): boolean {
    return this.#hasResult;
  }

  info(message: string): void {
    this.#stderr(`${printableText(message)}\n`);
  }

  warn(message: string): void {
    this.#stderr(`${this.colour.yellow('warning:')} ${printableText(message)}\n`, 'warn');
  }

  debug(message: string): void {
    if (this.verbose) this.#stderr(`${this.colour.dim(printableText(message))}\n`, 'debug');
  }

  /**
   * A progress line: on a terminal wide enough, the text of one spinner line;
   * elsewhere (a pipe, -q, a terminal that reports no width) a plain line on stderr.
   */
  progress(line: string): void {
    if (!this.#canSpin()) {
      this.info(line);
      return;
    }
    this.#spinner ??= this.#newSpinner();
    this.#spinner.start(printableLine(line));
  }

  /** Stops the progress spinner, if one is turning. */
  endProgress(): void {
    this.#spinner?.stop();
  }

  #canSpin(): boolean {
    return this.#io.isStderrTty && !this.json && !this.quiet && (this.#io.stderrColumns?.() ?? 0) >= MIN_SPINNER_COLUMNS;
  }

  #newSpinner(): Spinner {
    return new Spinner({ write: (text) => this.#io.writeStderr(text), columns: () => this.#io.stderrColumns?.() ?? 0, colour: this.colour });
  }

  /**
   * Runs `work` under a spinner on a terminal; elsewhere prints nothing but, with
   * --verbose, the step's name. The spinner never touches stdout.
   */
  async step<T>(label: string, work: () => Promise<T>): Promise<T> {
    let spinner: Spinner | undefined;
    if (this.#canSpin()) {
      spinner = this.#newSpinner();
      spinner.start(printableLine(label));
    } else this.debug(`${label}…`);
    try {
      return await work();
    } finally {
      spinner?.stop();
    }
  }
}
