import { remoteContract } from './contract.js';
import { fileTarget } from './file-target.js';

remoteContract('file://', fileTarget);
