#!/usr/bin/env node
import { run } from '../build/cli/run.js';
await run();
