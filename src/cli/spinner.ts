import type { ChalkInstance } from 'chalk';

const FRAMES = ['|', '/', '-', '\\'];
const INTERVAL_MS = 120;
/** Narrower than this, a spinner line cannot say anything: plain lines instead. */
export const MIN_SPINNER_COLUMNS = 20;

/**
 * One spinner line on a terminal: carriage return, frame, text cut to the
 * terminal's width, erase to the end of the line. It never moves the cursor up
 * and never writes a line wider than the terminal, so nothing can wrap and make
 * it redraw without end (a terminal that reports zero width gets no spinner at
 * all: see Output). It hides no cursor and grabs no signal, so a kill leaves the
 * terminal as it was; the timer is unref'd and never keeps the process alive.
 */
export class Spinner {
  readonly #write: (text: string) => void;
  readonly #columns: () => number;
  readonly #colour: ChalkInstance;
  #text = '';
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { write: (text: string) => void; columns: () => number; colour: ChalkInstance }) {
    this.#write = options.write;
    this.#columns = options.columns;
    this.#colour = options.colour;
  }

  get spinning(): boolean {
    return this.#timer !== undefined;
  }

  set text(text: string) {
    this.#text = text;
    if (this.#timer) this.#render();
  }

  start(text: string): void {
    this.#text = text;
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#render(), INTERVAL_MS);
      this.#timer.unref();
    }
    this.#render();
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#write('\r\x1b[K');
  }

  #render(): void {
    const columns = this.#columns();
    // The terminal shrank below a usable width while spinning: stop drawing rather than wrap.
    if (columns < MIN_SPINNER_COLUMNS) return this.stop();
    const frame = FRAMES[this.#frame++ % FRAMES.length]!;
    const room = columns - 3; // frame, space, and one column spare so the cursor never wraps
    const text = this.#text.length > room ? `${this.#text.slice(0, room - 1)}…` : this.#text;
    this.#write(`\r${this.#colour.cyan(frame)} ${text}\x1b[K`);
  }
}
