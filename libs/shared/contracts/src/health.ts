// The health route every service answers, one subject per service.
import { HealthReplySchema, HealthRequestSchema } from './gen/pn/common/v1/health_pb.js';
import type { Route } from './routes.js';

export const SERVICES = ['gateway', 'resources', 'ipam', 'dns', 'billing'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const healthRoute = (service: ServiceName): Route<typeof HealthRequestSchema, typeof HealthReplySchema> => ({
  subject: `${service}.health`,
  request: HealthRequestSchema,
  reply: HealthReplySchema,
});
