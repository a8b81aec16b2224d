/**
 * @module Every text of the account feature, in English, in one place, so a translation
 * (Japanese first) can be added as a second object of the same shape.
 */

export const ACCOUNT_TEXT = {
  pageTitle: 'Your account',
  pageLead: 'Sign in to use your points and jobs on any device, or create an account.',
  email: 'E-mail address',
  password: 'Password',
  passwordHelp: (min: number, max: number) => `At least ${min} characters (at most ${max}) for a new account.`,
  role: 'For a new account: I want to',
  roles: {
    volunteer: 'Lend my computer (volunteer)',
    customer: 'Submit compute jobs (customer)',
    shop_operator: 'Run a shop (shop operator)',
  },
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signUp: 'Create account',
  signingUp: 'Creating…',
  signOut: 'Sign out',
  signInLink: 'Sign in',
  loading: 'Loading…',
  signedInAs: 'Signed in as',
  signedInLead: (email: string) => `You are signed in as ${email}.`,
  rolesLine: (roles: string) => `Roles: ${roles}.`,
  toVolunteer: 'Go to the volunteer page',
  signOutFailed: 'Sign-out failed. Try again.',
  sessionUnknown: 'Could not check whether you are signed in.',
  claimTitle: 'Keep your points',
  claimLead: 'Keep your points: claim this identity with an e-mail and password. You can then sign in on any device and keep earning on the same account.',
  claimSubmit: 'Claim this identity',
  claiming: 'Claiming…',
  claimedLead: (email: string) =>
    `This volunteer identity belongs to the account ${email}: this page now computes through your signed-in account (the anonymous key this browser kept no longer works, so a copy of it is worthless). Sign in with it on your other devices.`,
  errors: {
    email: 'Enter a valid e-mail address.',
    password: (min: number, max: number) => `The password needs ${min} to ${max} characters.`,
    invalidCredentials: 'The e-mail address or the password is wrong.',
    emailTaken: 'This e-mail address already has an account. Sign in instead.',
    emailTakenClaim: 'The account with this e-mail address already has a volunteer identity of its own.',
    alreadyClaimed: 'This volunteer identity already belongs to an account. Sign in to use it.',
    /** Sign-in is slowed after failed attempts (longer after each one), never locked: the server says how long to wait. */
    tooManyAttempts: (seconds: number | undefined) =>
      seconds === undefined
        ? 'Too many failed attempts. Wait a little and try again.'
        : `Too many failed attempts. Try again in ${seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`}.`,
    crossSite: 'The server refused this request as coming from another site. Reload the page and try again.',
  },
} as const;
