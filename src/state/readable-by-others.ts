/**
 * The warning for a file holding a secret (an account key, a manager token)
 * that other users can read, as ssh gives for identity files; undefined when
 * only its owner (and group write, which does not reveal it) can. Windows has
 * no POSIX modes (node reports 0o666 for every file there), so it never warns.
 */
export function readableByOthersWarning(path: string, mode: number, platform: string = process.platform): string | undefined {
  if (platform === 'win32' || (mode & 0o044) === 0) return undefined;
  return `${path} is readable by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 ${path}`;
}
