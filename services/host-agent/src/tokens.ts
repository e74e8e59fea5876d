export const AGENT_CONFIG = Symbol('AGENT_CONFIG');
export const HOST_AGENT = Symbol('HOST_AGENT');
export const FLOW_METER = Symbol('FLOW_METER');
