using System.Net.Sockets;
using Npgsql;
using SalesScorecard.Settings;

namespace SalesScorecard.Database;

/// <summary>Opens connections and turns Npgsql's failures into errors that name the server but never the password.</summary>
public static class DatabaseConnector
{
    /// <summary>
    /// The most the names and options sent at login may take: PostgreSQL refuses a startup packet over 10,000 bytes,
    /// and Npgsql fails on one over its 8 KB buffer with a message that names neither.
    /// </summary>
    private const int MaxStartupBytes = 8000;

    /// <summary>
    /// How long an idle pooled connection lives: long enough for a loop of cmdlet calls to reuse it instead of logging in
    /// again (SCRAM), short enough that a DROP or CREATE DATABASE ... TEMPLATE by someone else soon after is not blocked.
    /// </summary>
    private const int PoolIdleSeconds = 1;

    /// <summary>The client time zone Npgsql sends at login when set; see <see cref="OpenInDatabaseTimeZoneAsync"/>.</summary>
    private const string ClientTimeZoneVariable = "PGTZ";

    private static readonly SemaphoreSlim ClientTimeZoneGate = new(1, 1);

    /// <summary>
    /// Opens a connection; <paramref name="pooled"/> takes it from a short-lived pool (what the module itself drops or
    /// creates databases with clears the pool first, see <see cref="ClearPools"/>).
    /// </summary>
    internal static async Task<NpgsqlConnection> OpenAsync(DatabaseUrl url, CancellationToken cancellationToken, bool pooled = false)
    {
        var builder = pooled
            ? new NpgsqlConnectionStringBuilder(url.Builder.ConnectionString) { Pooling = true, ConnectionIdleLifetime = PoolIdleSeconds, ConnectionPruningInterval = 1 }
            : url.Builder;
        var startupBytes = new[] { builder.Username, builder.Database, builder.ApplicationName, builder.Options, builder.SearchPath }
            .Sum(value => value is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(value));
        if (startupBytes > MaxStartupBytes)
        {
            throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"DATABASE_URL: its user, database name and options take {startupBytes} bytes, more than PostgreSQL accepts at login " +
                $"(about {MaxStartupBytes}). Check that the whole value is the intended URL.", "DATABASE_URL");
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await OpenInDatabaseTimeZoneAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException or IOException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Classify(e, url);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a connection in the database's own time zone, as the app's connections are: Npgsql sends $PGTZ at login
    /// (as libpq does), and a PGTZ in the admin's shell would then shift every now() the module writes into the app's
    /// timestamp-without-time-zone columns by its offset. PGTZ is hidden from Npgsql for the login alone; one login at a
    /// time, so that two cannot lose the variable between them.
    /// </summary>
    private static async Task OpenInDatabaseTimeZoneAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(ClientTimeZoneVariable) is null)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // PGTZ is process-wide: hidden for the login only, under a gate for our own logins. Anything else in the process
        // that reads it in that moment (another runspace, a child started then) sees it unset: fragile, but far rarer than
        // the shifted timestamps it prevents.
        await ClientTimeZoneGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var saved = Environment.GetEnvironmentVariable(ClientTimeZoneVariable);
        try
        {
            Environment.SetEnvironmentVariable(ClientTimeZoneVariable, null);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ClientTimeZoneVariable, saved);
            ClientTimeZoneGate.Release();
        }
    }

    /// <summary>Closes every idle pooled connection, before this process drops, creates or replaces a database.</summary>
    public static void ClearPools() => NpgsqlConnection.ClearAllPools();

    /// <summary>Maps a connection failure to DatabaseAuthenticationFailed, DatabaseNotFound or DatabaseUnreachable.</summary>
    public static ScorecardException Classify(Exception e, DatabaseUrl url)
    {
        var server = url.Describe();
        return e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
                new ScorecardException(ScorecardErrors.DatabaseAuthenticationFailed,
                    $"PostgreSQL refused the login ({server}): {pg.MessageText}. Check the user and password (in DATABASE_URL or -Credential); " +
                    "in DATABASE_URL, characters such as @ : / ? # % in the password must be percent-encoded.", url.Host, e),
            NpgsqlException when url.Builder.Password is null && e.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
                new ScorecardException(ScorecardErrors.DatabaseAuthenticationFailed,
                    $"PostgreSQL asked for a password and none was given ({server}): give -Credential, or put it in DATABASE_URL.", url.Host, e),
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                new ScorecardException(ScorecardErrors.DatabaseNotFound,
                    $"The database '{url.Database}' does not exist on {url.Host}:{url.Port} (user '{url.Username}').", url.Database, e),
            PostgresException pg =>
                new ScorecardException(ScorecardErrors.DatabaseUnreachable,
                    $"PostgreSQL at {server} refused the connection: {pg.SqlState}: {pg.MessageText}", url.Host, e),
            _ =>
                new ScorecardException(ScorecardErrors.DatabaseUnreachable,
                    $"Cannot reach PostgreSQL at {server}: {Innermost(e).Message.TrimEnd('.')}. Check the host and port, and that the server accepts TCP connections.", url.Host, e),
        };
    }

    /// <summary>
    /// A failure after the connection was made: a statement the server refused is DatabaseError (this record or this
    /// step only); a lost connection is DatabaseUnreachable.
    /// </summary>
    public static ScorecardException Failure(System.Data.Common.DbException e, string doing) =>
        e is PostgresException pg && !pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            ? new ScorecardException(ScorecardErrors.DatabaseError, $"{doing} failed: {pg.SqlState}: {pg.MessageText}", null, e)
            : new ScorecardException(ScorecardErrors.DatabaseUnreachable, $"{doing} failed: the connection to PostgreSQL was lost ({Innermost(e).Message}).", null, e);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
