// node bench/ballotcrypto_node.js: prints the figures of ballotcrypto_measure.js as JSON.
import { measure } from './ballotcrypto_measure.js';

process.stdout.write(`${JSON.stringify({ ...measure(), runtime: `node ${process.version}` })}\n`);
