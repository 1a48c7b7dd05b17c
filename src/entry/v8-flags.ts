// node:v8 for src/entry/run.ts, which sets a V8 flag only in the runs that need it: a dynamic import of this
// module is bundled and evaluated on first use, where one of node:v8 itself could not be (the build refuses it).
export { setFlagsFromString } from 'node:v8';
