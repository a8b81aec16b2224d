/**
 * @module The app shell: header with navigation, and the page for the current path.
 */
import { useEffect, useRef } from 'preact/hooks';
import { LazyPage, type PageLoader } from './lazy-page.tsx';
import { Link, usePathname } from './router.tsx';
import { AccountStatus } from './features/account/account-status.tsx';

const loadVolunteer: PageLoader = () => import('./features/volunteer/volunteer-page.tsx').then((m) => m.VolunteerPage);
const loadCustomer: PageLoader = () => import('./features/customer/customer-page.tsx').then((m) => m.CustomerPage);
const loadShop: PageLoader = () => import('./features/shop/shop-page.tsx').then((m) => m.ShopPage);
const loadAccount: PageLoader = () => import('./features/account/account-page.tsx').then((m) => m.AccountPage);

const TITLES: Record<string, string> = {
  '/': 'SpareCycles',
  '/volunteer': 'Volunteer — SpareCycles',
  '/customer': 'Customers — SpareCycles',
  '/account': 'Account — SpareCycles',
  '/shop': 'Shop — SpareCycles',
};

export function App() {
  const path = usePathname();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = TITLES[path] ?? 'Not found — SpareCycles';
    // After an in-app navigation, move focus to the new content, as a page load would.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" ref={main} tabIndex={-1}>
        <Route path={path} />
      </main>
    </>
  );
}

function Header() {
  return (
    <header class="site-header">
      <div class="container header-inner">
        <Link href="/" class="brand">
          SpareCycles
        </Link>
        <nav aria-label="Main">
          <ul class="nav-list">
            <li>
              <Link href="/volunteer">Volunteer</Link>
            </li>
            <li>
              <Link href="/customer">Customers</Link>
            </li>
            <li>
              <Link href="/shop">Shop</Link>
            </li>
          </ul>
        </nav>
        <AccountStatus />
      </div>
    </header>
  );
}

function Route({ path }: { path: string }) {
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
    default:
      return <NotFound />;
  }
}

function Home() {
  return (
    <div class="container">
      <h1>Lend your spare cycles to science</h1>
      <p class="lead">
        SpareCycles runs small, checked pieces of scientific computing in your browser — only after you press Start,
        and only until you press Stop.
      </p>
      <div class="home-links">
        <Link href="/volunteer" class="home-link">
          <span class="home-link-title">Volunteer</span>
          <span class="home-link-text">Lend your computer's idle time and earn points for validated work.</span>
        </Link>
        <Link href="/customer" class="home-link">
          <span class="home-link-title">Customers</span>
          <span class="home-link-text">Submit ensemble jobs, follow their progress and download the results.</span>
        </Link>
      </div>
    </div>
  );
}

function NotFound() {
  return (
    <div class="container">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{location.pathname}</code>. <Link href="/">Go to the home page</Link>.
      </p>
    </div>
  );
}
