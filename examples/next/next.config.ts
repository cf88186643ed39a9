import type { NextConfig } from "next";

const config: NextConfig = {
  // This repository type-checks the example with the rest of its code (npm run typecheck); a second
  // check here would only slow the build down.
  typescript: { ignoreBuildErrors: true },
};

export default config;
