// Facts about acmecli that are not in the command definitions, for the man page and the reference.
import { EXIT } from '../exit-status.js';

export const ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['ACMECLI_ACME_URL', 'default for --acme-url'],
  ['ACMECLI_KEY', 'default for --key'],
  ['ACMECLI_CA_FILE', 'default for --ca-file'],
  ['ACMECLI_TIMEOUT', 'default for --timeout'],
  ['ACMECLI_EAB_HMAC_KEY', 'EAB HMAC key when --eab-hmac-key is not given, so the key stays out of ps'],
  ['ACMECLI_HOME', 'the state folder; without it $XDG_STATE_HOME/acmecli, else /var/lib/acmecli for root, else ~/.local/state/acmecli'],
  ['XDG_STATE_HOME', 'see ACMECLI_HOME'],
  ['ACME_MANAGER_URL, ACME_MANAGER_TOKEN', 'the ACME Manager API and its bearer token, for agent and manager'],
  ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'proxy for requests to the CA (the upper-case name wins over the lower-case one)'],
  ['NO_COLOR', 'no colour on stderr'],
  ['JOURNAL_STREAM', 'set by systemd; when it names stderr, each line carries a syslog priority prefix (<3> error, <4> warning) for the journal'],
];

export const EXIT_STATUSES: readonly (readonly [string, string])[] = [
  [String(EXIT.ok), 'success'],
  [String(EXIT.failure), 'failure: the CA refused, a key or file is bad, a hook failed; retrying as is will not help'],
  [String(EXIT.usage), 'usage error: bad arguments or options'],
  [String(EXIT.unreachable), 'the CA or manager could not be reached or did not answer in time: worth retrying later'],
];

export const FILES: readonly (readonly [string, string])[] = [
  ['/var/lib/acmecli', "root's state folder: account URLs, lineages, agent state (0700)"],
  ['~/.local/state/acmecli', "another user's state folder"],
  ['/etc/acmecli/client-config.yml', 'the agent configuration the packaged acmecli-agent.service reads'],
  ['/usr/lib/systemd/system/acmecli-renew.timer', 'runs acmecli-renew.service (cert renew --all --quiet) twice a day; enable it with systemctl enable --now acmecli-renew.timer'],
  ['/usr/lib/systemd/system/acmecli-agent.service', 'the deploy agent as a service'],
];

export const COMMON_DIRECTORY_NOTE = 'Directory keywords for --acme-url: letsencrypt (the default), letsencrypt-staging, goog, goog-staging, zerossl, pebble.';
