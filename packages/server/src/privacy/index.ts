export { eraseAnonymous, eraseUser, type ErasureDeps, type ErasureReceipt } from './erasure.js';
export { exportUser } from './data-export.js';
