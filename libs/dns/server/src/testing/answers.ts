// Reading decoded responses in tests (the helpers live with the client).
export { addressesOf, rcodeOf } from '../query-dns.js';
