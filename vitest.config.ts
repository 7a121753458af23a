import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites that own namespaces, sshd or qemu must not race for the 2 cores.
    fileParallelism: process.env.CI ? false : true,
  },
});
