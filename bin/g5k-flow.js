#!/usr/bin/env node
// Entry point. The command line itself is plain JavaScript (fast --help);
// commands register tsx, which compiles the TypeScript engine and the user's
// workflow at run time, so neither the project nor its users need a build step.
import { main } from "../engine/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
