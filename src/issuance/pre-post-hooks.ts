import { HookError } from '../errors.js';
import { runUserCommand } from '../process/run-command.js';
import type { LineageConfig } from '../state/lineage-store.js';

/**
 * `--pre-hook` / `--post-hook`, with certbot's meaning: each distinct pre-hook
 * runs once per run, just before the first lineage that is actually issued
 * (never when nothing is due), and each post-hook of those lineages once after
 * the last, even when an issuance failed. A user of `--http-standalone :80`
 * stops nginx in the one and starts it in the other.
 */
export class PrePostHooks {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #onOutput: (text: string) => void;
  readonly #pre = new Map<string, Promise<void>>();
  readonly #post = new Set<string>();

  constructor(options: { env: Readonly<Record<string, string | undefined>>; onOutput: (text: string) => void }) {
    this.#env = options.env;
    this.#onOutput = options.onOutput;
  }

  /** Before a lineage is issued: its pre-hook (once per run, shared by lineages in parallel); its post-hook is due at the end. */
  async beforeIssue(config: LineageConfig): Promise<void> {
    if (config.postHook) this.#post.add(config.postHook);
    if (!config.preHook) return;
    let pending = this.#pre.get(config.preHook);
    if (!pending) {
      pending = this.#run('pre-hook', config.preHook);
      this.#pre.set(config.preHook, pending);
    }
    await pending;
  }

  /** After the last lineage: every post-hook due, in order; the first failure is thrown once all have run. */
  async afterRun(): Promise<void> {
    let failure: unknown;
    for (const command of this.#post) {
      await this.#run('post-hook', command).catch((err: unknown) => { failure ??= err; });
    }
    this.#post.clear();
    if (failure) throw failure;
  }

  async #run(kind: 'pre-hook' | 'post-hook', command: string): Promise<void> {
    const result = await runUserCommand(command, { env: this.#env, extraEnv: { ACMECLI_HOOK: kind }, timeoutMs: 300_000 });
    if (result.output) this.#onOutput(result.output);
    if (!result.ok) {
      const tail = result.output.split('\n').slice(-1)[0] ?? '';
      throw new HookError(`${kind} ${JSON.stringify(command)} failed (${result.detail})${tail ? `: ${tail}` : ''}`);
    }
  }
}
