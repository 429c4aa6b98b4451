import { Type, type Static } from 'typebox';
import { Menu } from './menu';
import { User } from './user';

// Its own file: user.ts must not import menu.ts (menu → realtime → user would be an import cycle
// that leaves RoleSchema uninitialised when the server starts).

/** The Telegram sign-in answer: with `withMenu` and a chosen city, that city's menu too. */
export const TelegramAuthResponse = Type.Object({ token: Type.String(), user: User, menu: Type.Optional(Menu) });
export type TelegramAuthResponse = Static<typeof TelegramAuthResponse>;
