/*
 * The browser-safe face of the shared package: constants, rules and wire *types*.
 * Types come from the TypeBox schemas as type-only exports, so the apps do not bundle TypeBox.
 */
export * from './statuses';
export * from './roles';
export * from './rooms';
export * from './protocol';
export * from './money';
export * from './api-error';
export * from './text';
export * from './api-client';
export * from './backoff';
export type {
  ErrorBody,
  User,
  TelegramAuthBody,
  LoginBody,
  AuthResponse,
  TelegramAuthResponse,
  PatchMeBody,
  CreateStaffBody,
  PatchStaffBody,
  StaffMember,
  City,
  Category,
  Product,
  Menu,
  ProductAvailabilityBody,
  AvailabilityResponse,
  OrderItem,
  Delivery,
  Order,
  StatusHistoryEntry,
  SyncInfo,
  OrderDetail,
  CreateOrderBody,
  OrderResponse,
  OrderDetailResponse,
  OrderList,
  AdminOrdersQuery,
  StatusChangeBody,
  CancelBody,
  BonusLedgerEntry,
  BonusesResponse,
  OrderStatusUpdated,
  BonusUpdated,
  SyncEntity,
  SyncAction,
  SyncSuccess,
  SyncError,
  MenuUpdated,
  Connected,
  SocketError,
  EventPayloads,
  EventType,
  EventMessage,
  ControlMessage,
  ServerMessage,
  ClientMessage,
  SseRoomBody,
  TicketResponse,
  WsStats,
  StatsQuery,
  StageStat,
  CityStats,
  StatsResponse,
  SyncJob,
  MenuSyncState,
  SyncOverview,
  SyncRetryResponse,
  StaffSettings,
} from './schemas/index';
