// Checks a user name and password against an LDAP server as PostgreSQL's ldap method does (simple bind, or
// search+bind), over ldaps:// or StartTLS with the configured CA. JNDI blocks in synchronized code on its own
// sockets, so every check runs on a small bounded pool of platform threads and the login waits parked, bounded.
package io.pgloom.auth.ldap;

import io.pgloom.config.LdapSettings;
import io.pgloom.util.ResourceLock;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.naming.AuthenticationException;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.PartialResultException;
import javax.naming.ServiceUnavailableException;
import javax.naming.SizeLimitExceededException;
import javax.naming.directory.SearchControls;
import javax.naming.directory.SearchResult;
import javax.naming.ldap.InitialLdapContext;
import javax.naming.ldap.LdapContext;
import javax.naming.ldap.StartTlsRequest;
import javax.naming.ldap.StartTlsResponse;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

public final class LdapAuthenticator {
    private LdapAuthenticator() {}

    /** The outcome of one check; the label is the metric's and the log's word. */
    public enum Outcome {
        OK("ok", ""),
        BAD_PASSWORD("bad_password", ""),
        NO_SUCH_USER("no_such_user", ""),
        LDAP_UNREACHABLE("ldap_unreachable", "the LDAP server cannot be reached"),
        TIMEOUT("timeout", "the LDAP server did not answer in time"),
        TLS_FAILED("tls_failed", "no trusted TLS connection to the LDAP server (its certificate or ldap_ca_file)"),
        ERROR("error", "the LDAP server refused the check (see pgloom's log)");

        public final String label;

        /** What a client whose login could not be checked is told (the detail goes to the log only). */
        public final String problem;

        Outcome(String label, String problem) {
            this.label = label;
            this.problem = problem;
        }

        /** The client's fault (a wrong name or password), as opposed to the directory's or the config's. */
        public boolean rejected() {
            return this == BAD_PASSWORD || this == NO_SUCH_USER;
        }
    }

    /** The outcome and what the log may say about it (never the password). */
    public record Result(Outcome outcome, String detail) {}

    /** At most this many checks talk to LDAP at once; more wait in line (within their timeout) up to QUEUE. */
    static final int WORKERS = 16;

    static final int QUEUE = 1024;

    /** A worker thread; JNDI asks it (through LdapSocketFactory) for the TLS factory of the check it runs. */
    static final class Worker extends Thread {
        volatile SSLSocketFactory tls;

        Worker(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
            setContextClassLoader(LdapAuthenticator.class.getClassLoader());
        }
    }

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = pool();

    private static ThreadPoolExecutor pool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(
                WORKERS,
                WORKERS,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE),
                r -> new Worker(r, "pgloom-ldap-" + THREADS.incrementAndGet()));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /**
     * Checks the password, returning within the rule's ldap_timeout whatever the directory does. The caller (a
     * client's virtual thread) waits parked, never inside JNDI.
     */
    public static Result authenticate(LdapSettings cfg, String user, String password) {
        // An empty password would be an anonymous ("unauthenticated") bind, which LDAP servers accept.
        if (password.isEmpty()) return new Result(Outcome.BAD_PASSWORD, "empty password");
        Check check = new Check(cfg, user, password);
        Future<Result> f;
        try {
            f = POOL.submit(check::run);
        } catch (RejectedExecutionException e) {
            return new Result(Outcome.TIMEOUT, "too many LDAP checks in progress (" + QUEUE + " waiting)");
        }
        long ms = cfg.timeout().toMillis();
        try {
            return f.get(ms, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            check.abandon();
            return new Result(Outcome.TIMEOUT, "no answer from the LDAP server within " + ms + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            check.abandon();
            return new Result(Outcome.TIMEOUT, "interrupted");
        } catch (ExecutionException e) {
            return new Result(Outcome.ERROR, String.valueOf(e.getCause()));
        }
    }

    /** One check on a worker; its open context is closed from outside when the login stops waiting. */
    private static final class Check {
        private final LdapSettings cfg;
        private final String user;
        private final String password;
        private final List<LdapContext> open = new ArrayList<>();
        /** Guards open: taken by the worker and by the login's virtual thread (no monitor a virtual thread parks on). */
        private final ResourceLock openLock = new ResourceLock();

        private volatile boolean abandoned;

        Check(LdapSettings cfg, String user, String password) {
            this.cfg = cfg;
            this.user = user;
            this.password = password;
        }

        Result run() {
            try {
                ((Worker) Thread.currentThread()).tls = cfg.ldaps() || cfg.startTls() ? tlsFactory(cfg.caFile()) : null;
            } catch (IOException | GeneralSecurityException e) {
                return new Result(Outcome.TLS_FAILED, "ldap_ca_file " + cfg.caFile() + ": " + e.getMessage());
            }
            String dn;
            if (cfg.searchBind()) {
                String filter = cfg.searchFilter() != null
                        ? LdapEscape.filter(cfg.searchFilter(), user)
                        : "(" + cfg.searchAttribute() + "=" + LdapEscape.filterValue(user) + ")";
                try {
                    LdapContext ctx = connect(
                            cfg.bindDn(),
                            cfg.bindPassword() == null
                                    ? null
                                    : cfg.bindPassword().reveal());
                    dn = find(ctx, filter);
                } catch (AuthenticationException e) {
                    return new Result(Outcome.ERROR, "ldapbinddn could not bind for the search: " + e.getMessage());
                } catch (NamingException | IOException e) {
                    return failure(e);
                } finally {
                    closeAll();
                }
                if (dn == null) return new Result(Outcome.NO_SUCH_USER, "no entry matches " + filter);
                if (dn.isEmpty()) return new Result(Outcome.NO_SUCH_USER, "more than one entry matches " + filter);
            } else {
                dn = cfg.prefix() + LdapEscape.dnValue(user) + cfg.suffix();
            }
            try {
                connect(dn, password);
                return new Result(Outcome.OK, "bound as " + dn);
            } catch (AuthenticationException e) {
                return new Result(Outcome.BAD_PASSWORD, "bind as " + dn + " refused: " + e.getMessage());
            } catch (NamingException | IOException e) {
                return failure(e);
            } finally {
                closeAll();
            }
        }

        /** The one entry's DN; null when none matches, "" when several do. */
        private String find(LdapContext ctx, String filter) throws NamingException {
            SearchControls sc = new SearchControls();
            sc.setSearchScope(SearchControls.SUBTREE_SCOPE);
            sc.setReturningAttributes(new String[] {"1.1"});
            sc.setCountLimit(2);
            sc.setTimeLimit((int) cfg.timeout().toMillis());
            NamingEnumeration<SearchResult> results = ctx.search(cfg.baseDn(), filter, sc);
            String found = null;
            try {
                while (results.hasMore()) {
                    SearchResult r = results.next();
                    if (found != null) return "";
                    found = r.getNameInNamespace();
                }
                return found;
            } catch (SizeLimitExceededException e) {
                return "";
            } catch (PartialResultException e) {
                return found; // Active Directory's continuation references after the entries: ignored (REFERRAL)
            } finally {
                results.close();
            }
        }

        /** A context bound as {@code dn} (anonymous when null), after StartTLS when ldaptls is on. */
        private LdapContext connect(String dn, String secret) throws NamingException, IOException {
            Hashtable<String, Object> env = new Hashtable<>();
            env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
            String scheme = cfg.ldaps() ? "ldaps://" : "ldap://";
            StringBuilder urls = new StringBuilder();
            for (String host : cfg.servers()) {
                if (!urls.isEmpty()) urls.append(' ');
                urls.append(scheme)
                        .append(host.contains(":") ? "[" + host + "]" : host)
                        .append(':')
                        .append(cfg.effectivePort());
            }
            env.put(Context.PROVIDER_URL, urls.toString());
            String ms = String.valueOf(cfg.timeout().toMillis());
            env.put("com.sun.jndi.ldap.connect.timeout", ms);
            env.put("com.sun.jndi.ldap.read.timeout", ms);
            env.put("com.sun.jndi.ldap.connect.pool", "false");
            env.put(Context.REFERRAL, "ignore");
            if (cfg.ldaps()) env.put("java.naming.ldap.factory.socket", LdapSocketFactory.class.getName());
            boolean bindNow = dn != null && !cfg.startTls();
            if (bindNow) putCredentials(env, dn, secret);
            else env.put(Context.SECURITY_AUTHENTICATION, "none");
            LdapContext ctx = track(new InitialLdapContext(env, null));
            if (cfg.startTls()) {
                StartTlsResponse tls = (StartTlsResponse) ctx.extendedOperation(new StartTlsRequest());
                tls.negotiate(((Worker) Thread.currentThread()).tls);
                if (dn != null) {
                    ctx.addToEnvironment(Context.SECURITY_AUTHENTICATION, "simple");
                    ctx.addToEnvironment(Context.SECURITY_PRINCIPAL, dn);
                    ctx.addToEnvironment(Context.SECURITY_CREDENTIALS, secret);
                    ctx.reconnect(null); // binds now, over the same (TLS) connection
                }
            }
            return ctx;
        }

        private static void putCredentials(Hashtable<String, Object> env, String dn, String secret) {
            env.put(Context.SECURITY_AUTHENTICATION, "simple");
            env.put(Context.SECURITY_PRINCIPAL, dn);
            env.put(Context.SECURITY_CREDENTIALS, secret == null ? "" : secret);
        }

        private LdapContext track(LdapContext ctx) throws NamingException {
            try (var h = openLock.obtain()) { // short, no I/O: the list only
                open.add(ctx);
            }
            if (abandoned) throw new NamingException("the login stopped waiting");
            return ctx;
        }

        /** The login gave up: close what is open so the worker's blocked read ends too. */
        void abandon() {
            abandoned = true;
            closeAll();
        }

        private void closeAll() {
            List<LdapContext> copy;
            try (var h = openLock.obtain()) {
                copy = new ArrayList<>(open);
                open.clear();
            }
            for (LdapContext c : copy) {
                try {
                    c.close();
                } catch (NamingException | RuntimeException e) {
                    // closing a broken connection: nothing more to do
                }
            }
        }
    }

    /** Names what went wrong with the directory (NamingException's cause is its root cause). */
    static Result failure(Exception e) {
        Outcome o = Outcome.ERROR;
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof SSLException || t instanceof CertificateException) {
                o = Outcome.TLS_FAILED;
                break;
            }
            if (t instanceof SocketTimeoutException
                    || t instanceof NamingException
                            && String.valueOf(t.getMessage()).contains("timed out")) {
                o = Outcome.TIMEOUT;
                break;
            }
            if (t instanceof ConnectException
                    || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException
                    || t instanceof ServiceUnavailableException
                    || t instanceof CommunicationException) {
                o = Outcome.LDAP_UNREACHABLE; // a cause further down may still say timeout or TLS
            }
        }
        return new Result(o, e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    private static final Map<String, SSLSocketFactory> FACTORIES = new ConcurrentHashMap<>();

    /** Trusts only the certificates in caFile (re-read when the file changes), else the JDK's default trust store. */
    static SSLSocketFactory tlsFactory(Path caFile) throws IOException, GeneralSecurityException {
        if (caFile == null) return SSLContext.getDefault().getSocketFactory();
        String key = caFile + "@" + Files.getLastModifiedTime(caFile).toMillis();
        SSLSocketFactory cached = FACTORIES.get(key);
        if (cached != null) return cached;
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int n = 0;
        try (InputStream in = Files.newInputStream(caFile)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
                ks.setCertificateEntry("ca" + n++, c);
        }
        if (n == 0) throw new CertificateException("no certificate in the file");
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        if (FACTORIES.size() > 64) FACTORIES.clear(); // reloads with ever new files: start over
        SSLSocketFactory f = ctx.getSocketFactory();
        FACTORIES.put(key, f);
        return f;
    }
}
