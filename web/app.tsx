/**
 * @module The app shell: header with navigation and the language switch, and the page for
 * the current path. Its text comes from web/i18n (English and Japanese).
 */
import { useEffect, useRef } from 'preact/hooks';
import { LazyPage, type PageLoader } from './lazy-page.tsx';
import { Link, usePathname } from './router.tsx';
import { AccountStatus } from './features/account/account-status.tsx';
import { JOB_PAGE_PREFIX } from './features/customer/paths.ts';
import { LANGS, setLang, useLang, useText, type Lang, type Messages } from './i18n/index.ts';

const loadVolunteer: PageLoader = () => import('./features/volunteer/volunteer-page.tsx').then((m) => m.VolunteerPage);
const loadCustomer: PageLoader = () => import('./features/customer/customer-page.tsx').then((m) => m.CustomerPage);
const loadShop: PageLoader = () => import('./features/shop/shop-page.tsx').then((m) => m.ShopPage);
const loadAccount: PageLoader = () => import('./features/account/account-page.tsx').then((m) => m.AccountPage);
const loadOperator: PageLoader = () => import('./features/operator/operator-page.tsx').then((m) => m.OperatorPage);
const loadJoin: PageLoader = () => import('./features/groups/join-page.tsx').then((m) => m.JoinPage);

const jobLoaders = new Map<string, PageLoader>();
/** One loader per job id, so LazyPage sees a new page when the id changes. */
function loadJob(id: string): PageLoader {
  let loader = jobLoaders.get(id);
  if (!loader) {
    loader = () => import('./features/customer/job-page.tsx').then((m) => () => <m.JobPage jobId={id} />);
    if (jobLoaders.size > 50) jobLoaders.clear();
    jobLoaders.set(id, loader);
  }
  return loader;
}

/** Path prefix of a unit's page, linked from the volunteer's credits. */
const UNIT_PREFIX = '/volunteer/units/';
const unitLoaders = new Map<string, PageLoader>();
/** One loader per unit id, so LazyPage sees a new page when the id changes. */
function loadUnit(id: string): PageLoader {
  let loader = unitLoaders.get(id);
  if (!loader) {
    loader = () => import('./features/volunteer/unit-page.tsx').then((m) => () => <m.UnitPage unitId={id} />);
    if (unitLoaders.size > 50) unitLoaders.clear();
    unitLoaders.set(id, loader);
  }
  return loader;
}

function titleOf(path: string, titles: Messages['shell']['titles']): string {
  if (path.startsWith(UNIT_PREFIX)) return titles.volunteerUnit;
  if (path.startsWith(JOB_PAGE_PREFIX)) return titles.customer;
  const byPath: Record<string, string> = {
    '/': titles.home,
    '/volunteer': titles.volunteer,
    '/customer': titles.customer,
    '/account': titles.account,
    '/shop': titles.shop,
    '/operator': titles.operator,
    '/join': titles.join,
  };
  return byPath[path] ?? titles.notFound;
}

export function App() {
  const path = usePathname();
  const t = useText().shell;
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = titleOf(path, t.titles);
  }, [path, t]);

  useEffect(() => {
    // After an in-app navigation, move focus to the new content, as a page load would.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);

  return (
    <>
      <a class="skip-link" href="#main">
        {t.skip}
      </a>
      <Header />
      <main id="main" ref={main} tabIndex={-1}>
        <Route path={path} />
      </main>
    </>
  );
}

function LanguageSwitch() {
  const lang = useLang();
  const t = useText().shell;
  return (
    <label class="lang-switch small">
      <span class="visually-hidden">{t.language}</span>
      <select data-testid="language" value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)} aria-label={t.language}>
        {(Object.keys(LANGS) as Lang[]).map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGS[l].langName}
          </option>
        ))}
      </select>
    </label>
  );
}

function Header() {
  const t = useText().shell;
  return (
    <header class="site-header">
      <div class="container header-inner">
        <Link href="/" class="brand">
          {t.brand}
        </Link>
        <nav aria-label={t.navLabel}>
          <ul class="nav-list">
            <li>
              <Link href="/volunteer">{t.nav.volunteer}</Link>
            </li>
            <li>
              <Link href="/customer">{t.nav.customer}</Link>
            </li>
            <li>
              <Link href="/shop">{t.nav.shop}</Link>
            </li>
          </ul>
        </nav>
        <LanguageSwitch />
        <AccountStatus />
      </div>
    </header>
  );
}

function Route({ path }: { path: string }) {
  if (path.startsWith(UNIT_PREFIX)) return <LazyPage load={loadUnit(path.slice(UNIT_PREFIX.length))} />;
  if (path.startsWith(JOB_PAGE_PREFIX)) return <LazyPage load={loadJob(decodeURIComponent(path.slice(JOB_PAGE_PREFIX.length)))} />;
  switch (path) {
    case '/':
      return <Home />;
    case '/volunteer':
      return <LazyPage load={loadVolunteer} />;
    case '/customer':
      return <LazyPage load={loadCustomer} />;
    case '/account':
      return <LazyPage load={loadAccount} />;
    case '/shop':
      return <LazyPage load={loadShop} />;
    case '/operator':
      return <LazyPage load={loadOperator} />;
    case '/join':
      // A group's invite (issue 16): the code is in the fragment, read by the page.
      return <LazyPage load={loadJoin} />;
    default:
      return <NotFound />;
  }
}

function Home() {
  const t = useText().shell;
  return (
    <div class="container">
      <h1>{t.homeTitle}</h1>
      <p class="lead">{t.homeLead}</p>
      <div class="home-links">
        <Link href="/volunteer" class="home-link">
          <span class="home-link-title">{t.nav.volunteer}</span>
          <span class="home-link-text">{t.homeVolunteerText}</span>
        </Link>
        <Link href="/customer" class="home-link">
          <span class="home-link-title">{t.nav.customer}</span>
          <span class="home-link-text">{t.homeCustomerText}</span>
        </Link>
      </div>
    </div>
  );
}

function NotFound() {
  const t = useText().shell;
  return (
    <div class="container">
      <h1>{t.notFoundTitle}</h1>
      <p>
        {t.notFoundText(location.pathname)} <Link href="/">{t.goHome}</Link>.
      </p>
    </div>
  );
}
