// Generated message and event types (from proto/) plus the bus routes.
export * from './gen/pn/accounts/v1/events_pb.js';
export * from './gen/pn/billing/v1/events_pb.js';
export * from './gen/pn/billing/v1/messages_pb.js';
export * from './gen/pn/common/v1/errors_pb.js';
export * from './gen/pn/common/v1/health_pb.js';
export * from './gen/pn/dns/v1/events_pb.js';
export * from './gen/pn/dns/v1/messages_pb.js';
export * from './gen/pn/integration/v1/addresses_pb.js';
export * from './gen/pn/ipam/v1/events_pb.js';
export * from './gen/pn/ipam/v1/messages_pb.js';
export * from './gen/pn/resources/v1/events_pb.js';
export * from './gen/pn/resources/v1/messages_pb.js';
export * from './routes.js';
export * from './event-codec.js';
export * from './dns-label.js';
export * from './hostnames.js';
export * from './health.js';
