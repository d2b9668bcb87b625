#!/usr/bin/env node
import { WgrtError } from '../errors.js';
import { releaseDevices } from '../runtime/device.js';
import { main } from './commands.js';

async function entry(): Promise<void> {
  let code = 1;
  try {
    code = await main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof WgrtError) {
      console.error(`wgrt: ${e.name}: ${e.message}`);
      code = 2;
    } else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`wgrt: ${e.message}`);
      code = 2;
    } else {
      throw e;
    }
  } finally {
    await releaseDevices();
  }
  process.exitCode = code;
}

await entry();
