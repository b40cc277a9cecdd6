import { remoteContract } from './contract.js';
import { s3Target } from './s3-target.js';

remoteContract('s3rver', () => s3Target('s3rver'));
