// Preloaded into a benchmarked child process (node --import): prints its peak resident set at exit.
process.on("exit", () => process.stderr.write(`\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`));
