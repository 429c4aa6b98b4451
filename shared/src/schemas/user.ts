import { Type, type Static } from 'typebox';
import { LANGUAGES, ROLES } from '../roles';
import { Id, NO_CONTROL_CHARS } from './common';

export const RoleSchema = Type.Enum(ROLES);
export const LanguageSchema = Type.Enum(LANGUAGES);

export const User = Type.Object({
  id: Id,
  role: RoleSchema,
  name: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  telegram_id: Type.Union([Type.Integer(), Type.Null()]),
  language: LanguageSchema,
  phone: Type.Union([Type.String(), Type.Null()]),
  /** The phone came from Telegram, verified (the bot's contact update or a signed requestContact answer), not typed. */
  phone_verified: Type.Optional(Type.Boolean()),
  /** The customer's chosen city (remembered across launches). */
  city_id: Type.Union([Id, Type.Null()]),
  /** Cities a manager works in; every city for admin/ceo; empty for customers. */
  city_ids: Type.Array(Id),
  bonus_balance: Type.Number(),
  /**
   * Customers: whether the bot may message them, as answered to the Mini App's one
   * requestWriteAccess question (null: not asked yet); also true once they started the bot.
   */
  bot_write_access: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});
export type User = Static<typeof User>;

export const TelegramAuthBody = Type.Object({
  initData: Type.String({ minLength: 1, maxLength: 8192 }),
  /** Send the menu of the customer's city along: the Mini App's first screen then needs no second round trip. */
  withMenu: Type.Optional(Type.Boolean()),
});
export type TelegramAuthBody = Static<typeof TelegramAuthBody>;

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64, pattern: NO_CONTROL_CHARS }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});
export type LoginBody = Static<typeof LoginBody>;

export const AuthResponse = Type.Object({ token: Type.String(), user: User });
export type AuthResponse = Static<typeof AuthResponse>;


export const PatchMeBody = Type.Object(
  {
    cityId: Type.Optional(Id),
    phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' }), Type.Null()])),
    language: Type.Optional(LanguageSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchMeBody = Static<typeof PatchMeBody>;

/** Staff management (admin/ceo). */
export const CreateStaffBody = Type.Object(
  {
    username: Type.String({ pattern: '^[a-z0-9_.-]{3,32}$' }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Union([Type.Literal('manager'), Type.Literal('admin')]),
    cityIds: Type.Array(Id, { maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type CreateStaffBody = Static<typeof CreateStaffBody>;

export const PatchStaffBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cityIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchStaffBody = Static<typeof PatchStaffBody>;

export const StaffMember = Type.Object({
  id: Id,
  username: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  city_ids: Type.Array(Id),
  active: Type.Boolean(),
});
export type StaffMember = Static<typeof StaffMember>;

/** `POST /api/me/write-access`: the customer's answer to Telegram's requestWriteAccess, remembered. */
export const WriteAccessBody = Type.Object({ allowed: Type.Boolean() }, { additionalProperties: false });
export type WriteAccessBody = Static<typeof WriteAccessBody>;
