// Numbers from RFC 1035 / RFC 6891 the codec needs, named once.

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode (RFC 6891): needs an OPT record to carry its upper bits. */
  BADVERS: 16,
} as const;
export type Rcode = (typeof Rcode)[keyof typeof Rcode];

/** EDNS(0) option the host-side forwarder adds: the network id as ASCII. */
export const NETWORK_ID_OPTION_CODE = 65001;

export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_SOA = 6;
export const TYPE_PTR = 12;
export const TYPE_OPT = 41;
export const TYPE_IXFR = 251;
export const TYPE_AXFR = 252;
export const TYPE_ANY = 255;

export const CLASS_IN = 1;
export const CLASS_ANY = 255;

export const HEADER_SIZE = 12;
/** Classic DNS UDP limit, used when the client did not say it can take more. */
export const CLASSIC_UDP_SIZE = 512;
/** Largest DNS message a TCP frame's 2-byte length can describe. */
export const MAX_TCP_MESSAGE = 65535;

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;
export const FLAG_CD = 0x0010;
