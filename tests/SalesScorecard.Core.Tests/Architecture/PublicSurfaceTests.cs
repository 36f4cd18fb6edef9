using System.Reflection;

namespace SalesScorecard.Tests.Architecture;

/// <summary>
/// What Core shows the cmdlets and scripts: its own types only. A public Npgsql, MimeKit or AWS type would tie every
/// caller to that library's version; a new public type is a decision, made by adding it to the list below.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly Assembly Core = typeof(ScorecardException).Assembly;

    private static readonly string[] ForeignNamespaces = ["Npgsql", "MimeKit", "MailKit", "Amazon"];

    [Fact]
    public void NoPublicMemberOfCoreTakesOrReturnsANpgsqlMimeKitOrAwsType()
    {
        var leaks = Core.GetExportedTypes()
            .SelectMany(type => type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .SelectMany(member => TypesOf(member).Where(IsForeign).Select(foreign => $"{type.FullName}.{member.Name}: {foreign.FullName}")))
            .Distinct()
            .ToList();

        Assert.True(leaks.Count == 0, string.Join(Environment.NewLine, leaks));
    }

    [Fact]
    public void ThePublicTypesAreTheOnesDecidedOn()
    {
        var exported = Core.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();

        var added = exported.Except(Decided).ToList();
        var removed = Decided.Except(exported).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0, $"New public types: {string.Join(", ", added)}. Gone: {string.Join(", ", removed)}.");
    }

    private static IEnumerable<Type> TypesOf(MemberInfo member) => (member switch
    {
        MethodInfo method => method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType),
        ConstructorInfo constructor => constructor.GetParameters().Select(p => p.ParameterType),
        PropertyInfo property => [property.PropertyType],
        FieldInfo field => [field.FieldType],
        EventInfo @event => [@event.EventHandlerType!],
        _ => [],
    }).SelectMany(Expand);

    private static IEnumerable<Type> Expand(Type type) =>
        new[] { type }.Concat(type.HasElementType ? Expand(type.GetElementType()!) : [])
            .Concat(type.IsGenericType ? type.GetGenericArguments().SelectMany(Expand) : []);

    private static bool IsForeign(Type type) =>
        ForeignNamespaces.Any(ns => type.Namespace is { } name && (name == ns || name.StartsWith(ns + ".", StringComparison.Ordinal)));

    // Output and parameter types, the error catalog, and the engines the cmdlets call (issue 19 moves these behind the
    // repository and job interfaces and makes them internal).
    private static readonly string[] Decided =
    [
        "SalesScorecard.Archive.ArchiveCompression",
        "SalesScorecard.Backup.BackupCatalog",
        "SalesScorecard.Backup.BackupLog",
        "SalesScorecard.Backup.BackupManifest",
        "SalesScorecard.Backup.BackupTestOptions",
        "SalesScorecard.Backup.BackupVerifier",
        "SalesScorecard.Backup.ManifestEncryption",
        "SalesScorecard.Backup.ManifestFile",
        "SalesScorecard.Backup.RestoreEngine",
        "SalesScorecard.Backup.RestoreOptions",
        "SalesScorecard.Backup.RetentionPlan",
        "SalesScorecard.Backup.StoredBackup",
        "SalesScorecard.BackupCheck",
        "SalesScorecard.BackupInfo",
        "SalesScorecard.BackupKeyInfo",
        "SalesScorecard.BackupStatus",
        "SalesScorecard.BackupTestResult",
        "SalesScorecard.ConfigSetting",
        "SalesScorecard.Database.DatabaseConnector",
        "SalesScorecard.Database.DatabaseInspector",
        "SalesScorecard.DatabaseInfo",
        "SalesScorecard.Encryption.AgeIdentity",
        "SalesScorecard.Encryption.AgeRecipient",
        "SalesScorecard.Health.HealthCheck",
        "SalesScorecard.Health.HealthStatus",
        "SalesScorecard.History.AnomalyKind",
        "SalesScorecard.History.BackupAnomaly",
        "SalesScorecard.History.BackupHistoryEntry",
        "SalesScorecard.History.BackupPin",
        "SalesScorecard.History.DrillRecord",
        "SalesScorecard.IOperationReporter",
        "SalesScorecard.Mail.BackupNotifications",
        "SalesScorecard.Mail.MailSettings",
        "SalesScorecard.Mail.NotificationFacts",
        "SalesScorecard.Mail.NotificationMessage",
        "SalesScorecard.Mail.RetryPolicy",
        "SalesScorecard.Mail.SmtpNotifier",
        "SalesScorecard.Mail.SmtpProbe",
        "SalesScorecard.Mail.SmtpSecurity",
        "SalesScorecard.Mail.TrendPoint",
        "SalesScorecard.NotificationResult",
        "SalesScorecard.Offsite.OffsiteCopy",
        "SalesScorecard.Offsite.OffsiteLocation",
        "SalesScorecard.Offsite.OffsiteOptions",
        "SalesScorecard.ReadableList`1",
        "SalesScorecard.RestoreResult",
        "SalesScorecard.ScheduleEntry",
        "SalesScorecard.ScheduleKind",
        "SalesScorecard.Scheduling.BackupSchedulers",
        "SalesScorecard.Scheduling.IBackupScheduler",
        "SalesScorecard.Scheduling.ScheduleRequest",
        "SalesScorecard.ScorecardError",
        "SalesScorecard.ScorecardErrorCategory",
        "SalesScorecard.ScorecardErrors",
        "SalesScorecard.ScorecardException",
        "SalesScorecard.ScorecardUser",
        "SalesScorecard.Settings.DatabaseUrl",
        "SalesScorecard.Settings.DotEnvFile",
        "SalesScorecard.Settings.DotEnvWarning",
        "SalesScorecard.Settings.EnvFileChoice",
        "SalesScorecard.Settings.ScorecardSettings",
        "SalesScorecard.Settings.SettingNames",
        "SalesScorecard.SmtpStepStatus",
        "SalesScorecard.SmtpTestResult",
        "SalesScorecard.SmtpTestStep",
        "SalesScorecard.TableCounts",
        "SalesScorecard.Users.FieldChange",
        "SalesScorecard.Users.NewUserRequest",
        "SalesScorecard.Users.UserChangePlan",
        "SalesScorecard.Users.UserChangeRequest",
        "SalesScorecard.Users.UserQuery",
        "SalesScorecard.Users.UserRules",
        "SalesScorecard.Users.UserStore",
    ];
}
