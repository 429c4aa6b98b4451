export const ROLES = ['customer', 'manager', 'admin', 'ceo'] as const;
export type Role = (typeof ROLES)[number];

export const STAFF_ROLES = ['manager', 'admin', 'ceo'] as const satisfies readonly Role[];

/** The languages the apps speak (chosen from Telegram's language_code). */
export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Admin and CEO see every city; a manager only the cities assigned to them. */
export function seesAllCities(role: Role): boolean {
  return role === 'admin' || role === 'ceo';
}
