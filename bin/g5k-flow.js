#!/usr/bin/env node
// Entry point and composition root. The command line itself is plain
// JavaScript (fast --help); commands register tsx, which compiles the
// TypeScript engine and the user's workflow at run time, so neither the
// project nor its users need a build step. The bundled plugins are composed
// in here, not imported by the engine.
import { main } from "../engine/cli/main.js";

const plugins = [new URL("../plugins/bundled.ts", import.meta.url).href];
process.exitCode = await main(process.argv.slice(2), { plugins });
