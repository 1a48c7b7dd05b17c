import type { ChallengeSolver, ChallengeTask } from '../acme/solver.js';
import { badToken, isChallengeToken } from './challenge-token.js';

/**
 * http-01 answered by a web server configured once for the account (see
 * `src/dns/http-snippet.ts`): it replies to `/.well-known/acme-challenge/<token>`
 * with `<token>.<thumbprint>`, which is the key authorization (RFC 8555 §8.1), so
 * nothing is done per challenge.
 *
 * begin throws BadResponseError for a token that is not base64url: the snippets
 * only answer for base64url tokens, so such a challenge could never pass.
 */
export function createHttpStatelessSolver(): ChallengeSolver {
  return {
    name: 'http-stateless',
    canAnswer: (type, identifier) => type === 'http-01' && (identifier.type === 'dns' || identifier.type === 'ip'),
    async begin(task: ChallengeTask) {
      if (!isChallengeToken(task.token)) throw badToken();
      return 'accepted';
    },
    async end() {},
  };
}
