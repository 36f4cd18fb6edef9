using System.Data;
using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SalesScorecard.Database;
using SalesScorecard.Settings;

namespace SalesScorecard.Users;

/// <summary>
/// The app's users table, straight: one connection and prepared statements for a whole pipeline, one transaction per
/// user, an audit row beside every change when audit_logs exists, and errors that say exactly what is wrong.
/// </summary>
public sealed class UserStore : IAsyncDisposable
{
    private const string Columns = """id, email, "displayName", role, "isActive", "companyId", "createdAt", "updatedAt" """;

    /// <summary>A password change is audited by this name alone, never with values.</summary>
    private const string PasswordField = "password";

    // The first key of the two-key advisory lock: a space of its own, apart from any lock the app or others take.
    private const int EmailLockSpace = 0x5C0E_0001;

    private readonly NpgsqlConnection _connection;
    private readonly string _describe;
    private readonly bool _hasAudit;
    private readonly bool _hasCompanies;
    private readonly Dictionary<string, NpgsqlCommand> _prepared = new(StringComparer.Ordinal);

    private UserStore(NpgsqlConnection connection, string describe, bool hasAudit, bool hasCompanies)
    {
        _connection = connection;
        _describe = describe;
        _hasAudit = hasAudit;
        _hasCompanies = hasCompanies;
    }

    /// <summary>The companies' ids, for Tab completion: a short login timeout, as someone waits at the prompt.</summary>
    public static async Task<List<string>> ListCompanyIdsAsync(DatabaseUrl url, int loginTimeoutSeconds, CancellationToken cancellationToken)
    {
        url.Builder.Timeout = loginTimeoutSeconds;
        await using var connection = await DatabaseConnector.OpenAsync(url, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT id FROM companies ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public static Task<UserStore> OpenAsync(DatabaseUrl url, CancellationToken cancellationToken) =>
        TranslatedAsync<UserStore>("Opening the users table", async () =>
        {
            for (var attempt = 1; ; attempt++)
            {
                // Pooled: a loop of single cmdlet calls reuses one login instead of a full SCRAM exchange per call.
                var connection = await DatabaseConnector.OpenAsync(url, cancellationToken, pooled: true).ConfigureAwait(false);
                try
                {
                    return await ProbeAsync(connection, url, cancellationToken).ConfigureAwait(false);
                }
                catch (NpgsqlException e) when (attempt == 1 && (e is not PostgresException || e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown }))
                {
                    // A pooled connection the server ended while it sat idle (pg_terminate_backend, a restart): forget the
                    // pool's connections and log in again.
                    NpgsqlConnection.ClearPool(connection);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
        });

    private static async Task<UserStore> ProbeAsync(NpgsqlConnection connection, DatabaseUrl url, CancellationToken cancellationToken)
    {
        await using var probe = new NpgsqlCommand(
            "SELECT to_regclass('public.users') IS NOT NULL, to_regclass('public.audit_logs') IS NOT NULL, to_regclass('public.companies') IS NOT NULL",
            connection);
        await using var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.GetBoolean(0))
        {
            throw new ScorecardException(ScorecardErrors.UsersTableNotFound,
                $"The database ({url.Describe()}) has no users table: is DATABASE_URL the Sales Scorecard database?", url.Database);
        }

        return new UserStore(connection, url.Describe(), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    /// <summary>
    /// Runs a query; a database failure becomes a ScorecardException that says what was being done, so that callers
    /// handle one kind of failure.
    /// </summary>
    private static async Task<T> TranslatedAsync<T>(string doing, Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException e)
        {
            throw DatabaseConnector.Failure(e, doing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _prepared.Values)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ScorecardUser>> FindAsync(UserQuery query, CancellationToken cancellationToken) =>
        TranslatedAsync<IReadOnlyList<ScorecardUser>>("Reading users", async () =>
        {
            await using var command = new NpgsqlCommand { Connection = _connection };
            string Parameter(object value)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
                return "$" + command.Parameters.Count;
            }

            var conditions = new List<string> { "true" };
            if (query.Identity is { } identity)
            {
                var user = await FindIdentityAsync(identity, cancellationToken).ConfigureAwait(false);
                if (user is null)
                {
                    return [];
                }

                conditions.Add($"id = {Parameter(user.Id)}");
            }

            if (query.CompanyId is { } company)
            {
                conditions.Add($"\"companyId\" = {Parameter(company)}");
            }

            if (query.Role is { } role)
            {
                // The app's own admin stores roles as typed (sales_lead): match any case, show what is stored.
                conditions.Add($"upper(role) = {Parameter(UserRules.NormalizeRole(role))}");
            }

            if (query.Name is { } name)
            {
                var p = Parameter(WildcardToLike(name));
                conditions.Add($"(\"displayName\" ILIKE {p} OR email ILIKE {p})");
            }

            if (!query.IncludeInactive)
            {
                // As the app's sign-in and admin list: NULL is not active.
                conditions.Add("\"isActive\" IS TRUE");
            }

            command.CommandText = $"SELECT {Columns} FROM users WHERE {string.Join(" AND ", conditions)} ORDER BY \"companyId\", email";
            var users = new List<ScorecardUser>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                users.Add(ReadUser(reader));
            }

            return users;
        });

    /// <summary>Finds the user and checks the change; changes nothing. An empty Changes list means nothing to do.</summary>
    public Task<UserChangePlan> PlanAsync(UserChangeRequest request, CancellationToken cancellationToken) =>
        TranslatedAsync<UserChangePlan>($"Changing user '{request.Identity}'", async () =>
        {
            var email = request.Email is null ? null : UserRules.NormalizeEmail(request.Email);
            var displayName = request.DisplayName is null ? null : UserRules.NormalizeDisplayName(request.DisplayName);
            var user = await ResolveAsync(request.Identity, request.CompanyId, cancellationToken).ConfigureAwait(false);
            // A role given exactly as stored (piped from Get-ScorecardUser) is no change and is not checked: the app
            // may have stored one this module would refuse (a legacy name, its own lower case).
            var role = request.Role is null || request.Role.Trim() == user.Role ? null : UserRules.NormalizeRole(request.Role);

            var changes = new List<FieldChange>();
            if (email is not null && email != user.Email)
            {
                await EnsureEmailFreeAsync(email, user.Id, cancellationToken).ConfigureAwait(false);
                changes.Add(new FieldChange("email", user.Email, email));
            }

            if (displayName is not null && displayName != user.DisplayName)
            {
                changes.Add(new FieldChange("displayName", user.DisplayName, displayName));
            }

            if (role is not null && role != user.Role)
            {
                changes.Add(new FieldChange("role", user.Role, role));
            }

            // Compared with the stored value: a NULL becomes true or false, and the audit row shows the NULL.
            if (request.Active is { } active && active != user.StoredIsActive)
            {
                changes.Add(new FieldChange("isActive", user.StoredIsActive, active));
            }

            string? hash = null;
            if (request.Password is { } password)
            {
                hash = UserRules.HashPassword(password);
                changes.Add(new FieldChange(PasswordField, null, null));
            }

            await SuperAdminGuard.EnsureNotLastAsync(_connection, user, changes, request.Force, cancellationToken).ConfigureAwait(false);
            return new UserChangePlan { User = user, Changes = changes, Request = request, PasswordHash = hash };
        });

    /// <summary>
    /// Applies a plan and writes its audit row in one statement (so one implicit transaction and one round trip);
    /// fails if the user changed since it was read.
    /// </summary>
    public Task<ScorecardUser> ApplyAsync(UserChangePlan plan, CancellationToken cancellationToken) =>
        TranslatedAsync<ScorecardUser>($"Changing user '{plan.Request.Identity}'", async () =>
        {
            const string Update = """
                UPDATE users SET
                  email = CASE WHEN $2 THEN $3 ELSE email END,
                  "displayName" = CASE WHEN $4 THEN $5 ELSE "displayName" END,
                  role = CASE WHEN $6 THEN $7 ELSE role END,
                  "isActive" = CASE WHEN $8 THEN $9 ELSE "isActive" END,
                  password = CASE WHEN $10 THEN $11 ELSE password END,
                  "updatedAt" = now()
                WHERE id = $1 AND "updatedAt" = $12
                """;
            var sql = _hasAudit
                ? $"""
                   WITH updated AS ({Update} RETURNING {Columns}),
                   audit AS ({AuditInsert("$13", "$14", "$15", "id", "\"companyId\"")} FROM updated)
                   SELECT {Columns} FROM updated
                   """
                : $"{Update} RETURNING {Columns}";
            var update = await PreparedAsync("update", sql,
                [NpgsqlDbType.Varchar, NpgsqlDbType.Boolean, NpgsqlDbType.Varchar, NpgsqlDbType.Boolean, NpgsqlDbType.Varchar,
                 NpgsqlDbType.Boolean, NpgsqlDbType.Varchar, NpgsqlDbType.Boolean, NpgsqlDbType.Boolean, NpgsqlDbType.Boolean,
                 NpgsqlDbType.Varchar, NpgsqlDbType.Timestamp, .. (_hasAudit ? new[] { NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Text } : [])],
                cancellationToken).ConfigureAwait(false);
            object? New(string field) => plan.Changes.FirstOrDefault(c => c.Field == field)?.New;
            var values = new List<object?>
            {
                plan.User.Id,
                New("email") is not null, New("email"),
                New("displayName") is not null, New("displayName"),
                New("role") is not null, New("role"),
                New("isActive") is not null, New("isActive") ?? false,
                plan.PasswordHash is not null, plan.PasswordHash,
                plan.User.UpdatedAt,
            };
            if (_hasAudit)
            {
                values.AddRange([Guid.NewGuid().ToString(), plan.Request.AuditAction,
                    AuditDetails(plan.Changes.Select(c => KeyValuePair.Create(c.Field, c.Field == PasswordField ? "password changed" : (object?)c)))]);
            }

            for (var i = 0; i < values.Count; i++)
            {
                update.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            ScorecardUser? updated = null;
            var newEmail = (string?)New("email");
            var guarded = SuperAdminGuard.Affects(plan.User, plan.Changes, plan.Request.Force);
            await using var transaction = newEmail is null && !guarded ? null : await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (newEmail is not null)
                {
                    await ClaimEmailAsync(newEmail, plan.User.Id, cancellationToken).ConfigureAwait(false);
                }

                if (guarded)
                {
                    await SuperAdminGuard.LockAndEnsureNotLastAsync(_connection, plan.User, plan.Changes, cancellationToken).ConfigureAwait(false);
                }

                await using (var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    updated = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
                }

                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                if (transaction is not null)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                }

                throw await EmailTakenAsync(newEmail!, plan.User.Id, e, cancellationToken).ConfigureAwait(false);
            }

            return updated ?? throw new ScorecardException(ScorecardErrors.UserChangedConcurrently,
                $"User {plan.User.Id} was changed by someone else while this change was being prepared; nothing was changed. Run it again.", plan.User.Id);
        });

    /// <summary>Checks a new user; changes nothing.</summary>
    public Task<NewUserRequest> CheckNewAsync(NewUserRequest request, CancellationToken cancellationToken) =>
        TranslatedAsync<NewUserRequest>($"Creating user '{request.Email}'", async () =>
        {
            var checkedRequest = new NewUserRequest
            {
                Email = UserRules.NormalizeEmail(request.Email),
                DisplayName = UserRules.NormalizeDisplayName(request.DisplayName),
                Role = UserRules.NormalizeRole(request.Role),
                CompanyId = request.CompanyId.Trim(),
                Password = request.Password,
            };
            if (_hasCompanies)
            {
                var exists = await PreparedAsync("company", "SELECT 1 FROM companies WHERE id = $1", [NpgsqlDbType.Varchar], cancellationToken).ConfigureAwait(false);
                exists.Parameters[0].Value = checkedRequest.CompanyId;
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new ScorecardException(ScorecardErrors.CompanyNotFound,
                        $"There is no company '{checkedRequest.CompanyId}' in the companies table ({_describe}).", checkedRequest.CompanyId);
                }
            }

            await EnsureEmailFreeAsync(checkedRequest.Email, null, cancellationToken).ConfigureAwait(false);
            return checkedRequest;
        });

    public Task<ScorecardUser> CreateAsync(NewUserRequest request, CancellationToken cancellationToken) =>
        TranslatedAsync<ScorecardUser>($"Creating user '{request.Email}'", async () =>
        {
            var generated = request.Password is null ? UserRules.GeneratePassword() : null;
            var hash = UserRules.HashPassword(request.Password ?? generated!);
            await using var transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ClaimEmailAsync(request.Email, null, cancellationToken).ConfigureAwait(false);
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO users (id, email, password, "displayName", role, "isActive", "companyId", "createdAt", "updatedAt")
                VALUES ($1, $2, $3, $4, $5, true, $6, now(), now())
                RETURNING {Columns}
                """, _connection, transaction)
            {
                Parameters =
                {
                    new() { Value = Guid.NewGuid().ToString() }, new() { Value = request.Email }, new() { Value = hash },
                    new() { Value = request.DisplayName }, new() { Value = request.Role }, new() { Value = request.CompanyId },
                },
            };
            ScorecardUser created;
            try
            {
                await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                created = ReadUser(reader);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // The failed insert aborted the transaction: end it before asking who has the email.
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                throw await EmailTakenAsync(request.Email, null, e, cancellationToken).ConfigureAwait(false);
            }

            await AuditAsync(transaction, "USER_CREATED", created, new Dictionary<string, object?>
            {
                ["email"] = created.Email, ["displayName"] = created.DisplayName, ["role"] = created.Role, ["companyId"] = created.CompanyId,
                ["password"] = generated is null ? "set" : "generated",
            }, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (generated is null)
            {
                return created;
            }

            return new ScorecardUser
            {
                Id = created.Id, Email = created.Email, DisplayName = created.DisplayName, Role = created.Role, StoredIsActive = created.StoredIsActive,
                CompanyId = created.CompanyId, CreatedAt = created.CreatedAt, UpdatedAt = created.UpdatedAt,
                InitialPassword = new NetworkCredential(string.Empty, generated).SecurePassword,
            };
        });

    /// <summary>The user an identity names; with a company, the user must belong to it.</summary>
    private async Task<ScorecardUser> ResolveAsync(string identity, string? companyId, CancellationToken cancellationToken)
    {
        // As New-ScorecardUser takes it: a CSV cell's surrounding spaces are not part of the id.
        companyId = string.IsNullOrWhiteSpace(companyId) ? null : companyId.Trim();
        var user = await FindIdentityAsync(identity, cancellationToken).ConfigureAwait(false)
            ?? throw new ScorecardException(ScorecardErrors.UserNotFound,
                $"No user has the id{(identity.Contains('@', StringComparison.Ordinal) ? " or email" : string.Empty)} '{identity}' in the users table ({_describe}).", identity);
        if (companyId is not null && user.CompanyId != companyId)
        {
            throw new ScorecardException(ScorecardErrors.UserNotInCompany,
                $"User {user.Id} ({user.Email}) belongs to company '{user.CompanyId}', not '{companyId}'; nothing was changed.", user.Id);
        }

        return user;
    }

    /// <summary>
    /// The user an identity names, as the app tells users apart: the id, else the exact email (the app stores emails
    /// as typed and lets two differ only in case), else an email equal but for case, only when just one user has it.
    /// </summary>
    private async Task<ScorecardUser?> FindIdentityAsync(string identity, CancellationToken cancellationToken)
    {
        // PostgreSQL text cannot hold NUL, so no id or email has one.
        if (identity.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var byId = await PreparedAsync("by-id", $"SELECT {Columns} FROM users WHERE id = $1", [NpgsqlDbType.Varchar], cancellationToken).ConfigureAwait(false);
        if (await ReadOneAsync(byId, identity, cancellationToken).ConfigureAwait(false) is { } user)
        {
            return user;
        }

        var email = identity.Trim();
        if (!email.Contains('@', StringComparison.Ordinal))
        {
            return null;
        }

        var byEmail = await PreparedAsync("by-email", $"SELECT {Columns} FROM users WHERE lower(email) = lower($1) ORDER BY email, id", [NpgsqlDbType.Varchar], cancellationToken)
            .ConfigureAwait(false);
        byEmail.Parameters[0].Value = email;
        var candidates = new List<ScorecardUser>();
        await using (var reader = await byEmail.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                candidates.Add(ReadUser(reader));
            }
        }

        return candidates.Find(c => c.Email == email) ?? candidates.Count switch
        {
            0 => null,
            1 => candidates[0],
            _ => throw new ScorecardException(ScorecardErrors.AmbiguousIdentity,
                $"'{email}' is no user's id or exact email, and {candidates.Count} users have emails that differ from it only in case: " +
                string.Join("; ", candidates.Select(c => $"{c.Id} ({c.Email}, company '{c.CompanyId}')")) +
                ". Give the id or the exact email; nothing was changed.", email),
        };
    }

    /// <summary>
    /// Inside a transaction: waits for any other session claiming the same email in any case, then checks it is still
    /// free. The app allows case-twins (users.email is unique only as typed), so only this lock keeps two shells
    /// creating "a@x" and "A@x" at once from both passing the check; it is held until the transaction ends.
    /// </summary>
    private async Task ClaimEmailAsync(string email, string? exceptUserId, CancellationToken cancellationToken)
    {
        var claim = await PreparedAsync("claim-email", $"SELECT pg_advisory_xact_lock({EmailLockSpace}, hashtext(lower($1)))", [NpgsqlDbType.Varchar], cancellationToken)
            .ConfigureAwait(false);
        claim.Parameters[0].Value = email;
        await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await EnsureEmailFreeAsync(email, exceptUserId, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureEmailFreeAsync(string email, string? exceptUserId, CancellationToken cancellationToken)
    {
        var owner = await FindEmailOwnerAsync(email, exceptUserId, cancellationToken).ConfigureAwait(false);
        if (owner is not null)
        {
            throw EmailTaken(email, owner, null);
        }
    }

    private async Task<ScorecardUser?> FindEmailOwnerAsync(string email, string? exceptUserId, CancellationToken cancellationToken)
    {
        var command = await PreparedAsync("email-owner", $"SELECT {Columns} FROM users WHERE lower(email) = lower($1) AND id IS DISTINCT FROM $2",
            [NpgsqlDbType.Varchar, NpgsqlDbType.Varchar], cancellationToken).ConfigureAwait(false);
        command.Parameters[1].Value = (object?)exceptUserId ?? DBNull.Value;
        return await ReadOneAsync(command, email, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ScorecardException> EmailTakenAsync(string email, string? exceptUserId, Exception cause, CancellationToken cancellationToken) =>
        EmailTaken(email, await FindEmailOwnerAsync(email, exceptUserId, cancellationToken).ConfigureAwait(false), cause);

    // The column is unique across all companies, so the other user may well be in another company: say which.
    private static ScorecardException EmailTaken(string email, ScorecardUser? owner, Exception? cause) =>
        new(ScorecardErrors.EmailAlreadyInUse,
            owner is null
                ? $"The email '{email}' is already in use; nothing was changed."
                : $"The email '{email}' already belongs to user {owner.Id} of company '{owner.CompanyId}'; emails are unique across all companies. Nothing was changed.",
            email, cause);

    private async Task AuditAsync(NpgsqlTransaction transaction, string action, ScorecardUser user, IReadOnlyDictionary<string, object?> changes, CancellationToken cancellationToken)
    {
        if (!_hasAudit)
        {
            return;
        }

        var insert = await PreparedAsync("audit", AuditInsert("$1", "$2", "$3", "$4", "$5"),
            [NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Text, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar], cancellationToken).ConfigureAwait(false);
        insert.Transaction = transaction;
        object?[] values = [Guid.NewGuid().ToString(), action, AuditDetails(changes), user.Id, user.CompanyId];
        for (var i = 0; i < values.Length; i++)
        {
            insert.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The audit row as the app writes one for a user: no signed-in actor (the details name who ran the script). The
    /// arguments are the SQL expressions of its values; a FROM clause may follow.
    /// </summary>
    private static string AuditInsert(string id, string action, string details, string userId, string companyId) => $"""
        INSERT INTO audit_logs (id, "userId", action, "entityType", "entityId", details, "companyId", "createdAt")
        SELECT {id}, NULL, {action}, 'user', {userId}, {details}::jsonb, {companyId}, now()
        """;

    private static readonly (string User, string Host) Actor = (Environment.UserName, Environment.MachineName);

    /// <summary>
    /// The audit row's details: each change (a value, or a field's old and new value), and who made it. Written by hand:
    /// it runs once per user of a pipeline.
    /// </summary>
    private static string AuditDetails(IEnumerable<KeyValuePair<string, object?>> changes)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("changes");
            foreach (var (field, value) in changes)
            {
                json.WritePropertyName(field);
                WriteAuditValue(json, value);
            }

            json.WriteEndObject();
            json.WriteStartObject("actor");
            json.WriteString("osUser", Actor.User);
            json.WriteString("host", Actor.Host);
            json.WriteString("tool", "SalesScorecard");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteAuditValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case FieldChange change:
                json.WriteStartObject();
                json.WritePropertyName("old");
                WriteAuditValue(json, change.Old);
                json.WritePropertyName("new");
                WriteAuditValue(json, change.New);
                json.WriteEndObject();
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case null:
                json.WriteNullValue();
                break;
            default:
                json.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>A statement prepared once on this connection and reused for every record of the pipeline.</summary>
    private async Task<NpgsqlCommand> PreparedAsync(string key, string sql, NpgsqlDbType[] types, CancellationToken cancellationToken)
    {
        if (!_prepared.TryGetValue(key, out var command))
        {
            command = new NpgsqlCommand(sql, _connection);
            foreach (var type in types)
            {
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type });
            }

            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            _prepared[key] = command;
        }

        command.Transaction = null;
        return command;
    }

    private static async Task<ScorecardUser?> ReadOneAsync(NpgsqlCommand command, string value, CancellationToken cancellationToken)
    {
        command.Parameters[0].Value = value;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
    }

    private static ScorecardUser ReadUser(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Email = reader.GetString(1),
        DisplayName = reader.GetString(2),
        Role = reader.GetString(3),
        StoredIsActive = reader.IsDBNull(4) ? null : reader.GetBoolean(4),
        CompanyId = reader.IsDBNull(5) ? null : reader.GetString(5),
        CreatedAt = reader.GetDateTime(6),
        UpdatedAt = reader.GetDateTime(7),
    };

    /// <summary>A PowerShell wildcard (* and ?) as an ILIKE pattern, with LIKE's own characters escaped.</summary>
    private static string WildcardToLike(string wildcard)
    {
        var like = new StringBuilder();
        foreach (var c in wildcard)
        {
            like.Append(c switch
            {
                '*' => "%",
                '?' => "_",
                '%' or '_' or '\\' => "\\" + c,
                _ => c.ToString(),
            });
        }

        return like.ToString();
    }
}
