#!/usr/bin/env node
// Driftless targets Node 20 on purpose (see README); the AWS SDK's notice that later
// SDK releases will need Node 22 is for us to act on, not for every user on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv.slice(2));
