// Preloaded into a benchmarked child process (node --import): prints its peak resident set and CPU time (user + system) at exit.
process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\npeak-rss-kib ${process.resourceUsage().maxRSS} cpu-ms ${Math.round((user + system) / 1000)}\n`);
});
