/**
 * @module Request and response shapes of sign-up, sign-in, sessions and claiming an
 * anonymous volunteer identity; paths in {@link AUTH_PATHS}.
 */
import { z } from 'zod';
import { EMAIL_CHARS_MAX, PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN } from '../limits.ts';

/** Every path of the auth API, so clients never spell one twice. */
export const AUTH_PATHS = {
  signup: '/api/auth/signup',
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  me: '/api/auth/me',
  claim: '/api/auth/claim',
} as const;

/** What a user may do; a user holds one or more. */
export const ROLES = ['volunteer', 'customer', 'shop_operator', 'operator'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.output<typeof RoleSchema>;

/** Roles anyone may sign up for; `operator` is granted by an operator, never self-chosen. */
export const SignupRoleSchema = z.enum(['customer', 'shop_operator', 'volunteer']);
export type SignupRole = z.output<typeof SignupRoleSchema>;

/** An e-mail address, trimmed and lower-cased so one mailbox is one account. */
export const EmailSchema = z.string().trim().toLowerCase().max(EMAIL_CHARS_MAX).pipe(z.email());

/**
 * A new password. NFKC-normalised first (NIST SP 800-63B §5.1.1.2), so the same password
 * typed on another keyboard or input method still matches; the length bounds apply after.
 */
export const NewPasswordSchema = z.string().normalize('NFKC').min(PASSWORD_CHARS_MIN).max(PASSWORD_CHARS_MAX);

/** A password presented at sign-in: only bounded, since a wrong one is simply wrong. */
export const PasswordSchema = z.string().normalize('NFKC').min(1).max(PASSWORD_CHARS_MAX);

export const SignupRequestSchema = z.strictObject({ email: EmailSchema, password: NewPasswordSchema, role: SignupRoleSchema });
export type SignupRequest = z.input<typeof SignupRequestSchema>;

export const LoginRequestSchema = z.strictObject({ email: EmailSchema, password: PasswordSchema });
export type LoginRequest = z.input<typeof LoginRequestSchema>;

/**
 * Claims the volunteer identity whose token authenticates the request. For a new e-mail the
 * password becomes the new account's; for a registered one it must be that account's.
 */
export const ClaimRequestSchema = z.strictObject({ email: EmailSchema, password: NewPasswordSchema });
export type ClaimRequest = z.input<typeof ClaimRequestSchema>;

/** The signed-in user, as `GET /api/auth/me` and every successful sign-in answer. */
export const SessionUserSchema = z.object({
  userId: z.string(),
  email: z.string(),
  roles: z.array(RoleSchema),
  volunteerId: z.string().nullable(),
  customerId: z.string().nullable(),
  shopId: z.string().nullable(),
});
export type SessionUserBody = z.output<typeof SessionUserSchema>;
