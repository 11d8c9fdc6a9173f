// Sparkplug B host application: public surface.

export {
  SparkplugHostApplication, statePayload, DEFAULT_HOST_ID, REBIRTH_METRIC, HOST_TRANSITIONS,
  type HostApplicationOptions, type HostEvents, type HostStatus, type HostStateChange, type MetricPath, type RebirthEvent,
  type SequenceEvent, type RefusedMessage, DEFAULT_MAX_METRICS_PER_NODE, DEFAULT_MAX_ARRAY_LENGTH
} from './host-application'
export {
  NODE_TRANSITIONS, DEVICE_TRANSITIONS, nodeTransition, deviceTransition, type NodeEvent, type DeviceEvent, type Transition
} from './session-transitions'
export type {
  MetricUpdate, Quality, NodeState, DeviceState, RebirthReason, RebirthRecord, StaleReason, StaleRecord, NodeHealth,
  DeviceHealth, SessionChange
} from './session-records'
export { parseTopic, stateTopic, edgeTopic, isValidSparkplugId, SPARKPLUG_NAMESPACE, type SparkplugTopic, type TopicParse,
  type TopicProblem, type EdgeMessageType } from '../../plant/sparkplug-topic'
export { SparkplugHostNotConnectedError, SparkplugNodeOfflineError, SparkplugUnknownMetricError, SparkplugHostConfigError } from './errors'
