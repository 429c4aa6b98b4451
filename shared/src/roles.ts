export const ROLES = ['customer', 'manager', 'admin', 'ceo'] as const;
export type Role = (typeof ROLES)[number];

export const STAFF_ROLES = ['manager', 'admin', 'ceo'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaff(role: Role): role is StaffRole {
  return role !== 'customer';
}

/** Admin and CEO see every city; a manager only the cities assigned to them. */
export function seesAllCities(role: Role): boolean {
  return role === 'admin' || role === 'ceo';
}
