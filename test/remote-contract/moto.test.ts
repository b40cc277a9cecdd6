import { test } from 'node:test';
import { serverKinds } from '../support/servers.js';
import { remoteContract } from './contract.js';
import { s3Target } from './s3-target.js';

if (serverKinds().includes('moto')) remoteContract('moto', () => s3Target('moto'));
else test('moto contract', (t) => t.skip('moto_server not on PATH'));
