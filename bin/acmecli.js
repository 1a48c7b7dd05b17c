#!/usr/bin/env node
// The same bundle the single executable carries (npm run build makes it), so `npx acmecli` and dist/acmecli behave alike.
import '../dist/acmecli.cjs';
