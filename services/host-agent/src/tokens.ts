export const AGENT_CONFIG = Symbol('AGENT_CONFIG');
export const HOST_AGENT = Symbol('HOST_AGENT');
