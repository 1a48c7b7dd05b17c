/**
 * The three Reflect metadata functions tsyringe needs, which @peculiar/x509
 * loads at import time ("tsyringe requires a reflect polyfill"). The tests use
 * @peculiar/x509 for fixtures (acmecli itself does not) and have no
 * `reflect-metadata` dependency, so this module supplies them, only when absent.
 * Importing it patches the global Reflect, a process-wide effect, so only
 * vitest's setup file imports it, before anything loads @peculiar/x509 (only
 * `test/support/x509.ts` does).
 *
 * @peculiar/x509 uses them for parameterless `@injectable()` classes only, so
 * metadata is kept per (target, property) without the decorator-emitting parts of
 * the full proposal.
 */
type MetadataTarget = object;
type MetadataMap = Map<unknown, unknown>;

interface ReflectMetadataApi {
  getMetadata?: (key: unknown, target: MetadataTarget, property?: string | symbol) => unknown;
  getOwnMetadata?: (key: unknown, target: MetadataTarget, property?: string | symbol) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: MetadataTarget, property?: string | symbol) => void;
}

const reflect = Reflect as unknown as ReflectMetadataApi;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<MetadataTarget, Map<string | symbol | undefined, MetadataMap>>();
  const own = (target: MetadataTarget, property: string | symbol | undefined, create: boolean): MetadataMap | undefined => {
    let byProperty = store.get(target);
    if (byProperty === undefined) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let map = byProperty.get(property);
    if (map === undefined && create) {
      map = new Map();
      byProperty.set(property, map);
    }
    return map;
  };
  reflect.defineMetadata = (key, value, target, property) => {
    own(target, property, true)?.set(key, value);
  };
  reflect.getOwnMetadata = (key, target, property) => own(target, property, false)?.get(key);
  reflect.getMetadata = (key, target, property) => {
    for (let t: MetadataTarget | null = target; t !== null; t = Object.getPrototypeOf(t) as MetadataTarget | null) {
      const map = own(t, property, false);
      if (map?.has(key) === true) return map.get(key);
    }
    return undefined;
  };
}

export {};
