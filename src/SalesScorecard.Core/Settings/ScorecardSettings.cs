using System.Net;
using SalesScorecard.Archive;
using SalesScorecard.Encryption;

namespace SalesScorecard.Settings;

/// <summary>Where a setting's value came from, in order of precedence.</summary>
internal enum SettingSource
{
    Parameter,
    Environment,
    EnvFile,
    Default,
}

/// <summary>One resolved setting. <see cref="Value"/> is the real value: show <see cref="ConfigSetting"/> instead.</summary>
internal sealed record ResolvedSetting(SettingDefinition Definition, string? Value, SettingSource Source);

/// <summary>
/// The module's settings, resolved once per cmdlet call: explicit parameter, then a .env file named explicitly
/// (-EnvFile), then the process environment, then a .env file found implicitly (SCORECARD_ENV_FILE or ./.env), then the
/// default. A file named on the command line beats a variable left in the shell, as any explicit choice beats the
/// ambient one. An empty value at any level counts as not set, as it does for the Node app.
/// </summary>
public sealed class ScorecardSettings
{
    private readonly Dictionary<string, ResolvedSetting> _settings;

    private readonly NetworkCredential? _databaseCredential;

    private ScorecardSettings(Dictionary<string, ResolvedSetting> settings, DotEnvFile? envFile, NetworkCredential? databaseCredential, IReadOnlyList<string> overridden)
    {
        _settings = settings;
        EnvFile = envFile;
        _databaseCredential = databaseCredential;
        OverriddenEnvironment = overridden;
    }

    /// <summary>The .env file that was read, if any; its warnings are the caller's to show.</summary>
    public DotEnvFile? EnvFile { get; }

    /// <summary>Names of environment variables whose different value lost to the explicitly named .env file.</summary>
    public IReadOnlyList<string> OverriddenEnvironment { get; }

    /// <param name="parameters">Values given explicitly, by setting name; null values are ignored.</param>
    /// <param name="environment">Reads a process environment variable.</param>
    /// <param name="envFile">The .env file to read and whether it was named explicitly, or null for none.</param>
    /// <param name="databaseCredential">User and password that override those in DATABASE_URL; null for none.</param>
    public static ScorecardSettings Load(
        IReadOnlyDictionary<string, string?> parameters,
        Func<string, string?> environment,
        EnvFileChoice? envFile,
        NetworkCredential? databaseCredential = null)
    {
        var file = envFile is null ? null : DotEnvFile.Load(envFile.Path);
        var settings = new Dictionary<string, ResolvedSetting>(StringComparer.Ordinal);
        var overridden = new List<string>();
        foreach (var definition in SettingNames.All)
        {
            var name = definition.Name;
            var fromParameter = parameters.TryGetValue(name, out var explicitValue) && !string.IsNullOrEmpty(explicitValue) ? explicitValue : null;
            var fromEnvironment = environment(name) is { Length: > 0 } variable ? variable : null;
            var fromFile = file is not null && file.Values.TryGetValue(name, out var inFile) && inFile.Length > 0 ? inFile : null;
            var fileFirst = envFile is { Explicit: true };
            settings[name] =
                fromParameter is not null ? new ResolvedSetting(definition, fromParameter, SettingSource.Parameter)
                : fileFirst && fromFile is not null ? new ResolvedSetting(definition, fromFile, SettingSource.EnvFile)
                : fromEnvironment is not null ? new ResolvedSetting(definition, fromEnvironment, SettingSource.Environment)
                : fromFile is not null ? new ResolvedSetting(definition, fromFile, SettingSource.EnvFile)
                : new ResolvedSetting(definition, definition.DefaultValue, SettingSource.Default);
            if (fromParameter is null && fileFirst && fromFile is not null && fromEnvironment is not null && fromEnvironment != fromFile)
            {
                overridden.Add(name);
            }
        }

        return new ScorecardSettings(settings, file, databaseCredential, overridden);
    }

    /// <summary>
    /// The .env file to use: the explicit one, else the one <c>SCORECARD_ENV_FILE</c> names (both must exist), else
    /// <c>.env</c> in <paramref name="currentDirectory"/> when it exists.
    /// </summary>
    public static EnvFileChoice? LocateEnvFile(string? explicitPath, Func<string, string?> environment, string currentDirectory)
    {
        var named = !string.IsNullOrEmpty(explicitPath) ? explicitPath : environment(SettingNames.EnvFileVariable);
        if (!string.IsNullOrEmpty(named))
        {
            var full = Path.GetFullPath(named, currentDirectory);
            var how = !string.IsNullOrEmpty(explicitPath) ? "-EnvFile" : SettingNames.EnvFileVariable;
            if (Directory.Exists(full))
            {
                throw new ScorecardException(ScorecardErrors.EnvFileIsFolder,
                    $"The settings file '{full}' named by {how} is a folder, not a file; name the .env file in it.", full);
            }

            if (!File.Exists(full))
            {
                throw new ScorecardException(ScorecardErrors.EnvFileNotFound,
                    $"The settings file '{full}' named by {how} does not exist.", full);
            }

            return new EnvFileChoice(full, Explicit: !string.IsNullOrEmpty(explicitPath));
        }

        var local = Path.Combine(currentDirectory, ".env");
        return File.Exists(local) ? new EnvFileChoice(local, Explicit: false) : null;
    }

    internal ResolvedSetting this[string name] => _settings[SettingNames.Find(name).Name];

    public string? Get(string name) => this[name].Value;

    /// <summary>Every setting as it may be shown: secrets masked, the source named.</summary>
    public IEnumerable<ConfigSetting> Describe() =>
        SettingNames.All.Select(d => _settings[d.Name]).Select(s => new ConfigSetting(
            s.Definition.Name,
            Mask(s),
            s.Source == SettingSource.EnvFile ? $"EnvFile:{EnvFile!.Path}" : s.Source.ToString(),
            s.Definition.Description));

    /// <summary>A whole-number setting, within the range its definition gives.</summary>
    public int GetInt(string name)
    {
        var setting = this[name];
        var range = setting.Definition.Range ?? throw new ArgumentException($"{name} is not a whole-number setting.", nameof(name));
        var number = int.TryParse(setting.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value);
        // Only a value read as a number is quoted: anything else may be a secret pasted on the wrong line.
        return number && range.Contains(value)
            ? value
            : throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"{name} ({DescribeSource(setting)}) must be a whole number from {range.Minimum} to {range.Maximum}; " +
                (number ? $"it is {value}." : "it is not a whole number."), name);
    }

    /// <summary>A true/false setting (also yes/no, 1/0), or null when it is not set.</summary>
    public bool? GetBool(string name)
    {
        var setting = this[name];
        return setting.Value?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "true" or "yes" or "1" => true,
            "false" or "no" or "0" => false,
            _ => throw new ScorecardException(ScorecardErrors.InvalidSetting,
                $"{name} ({DescribeSource(setting)}) must be true or false (also yes/no, 1/0); it is none of them.", name),
        };
    }

    /// <summary>
    /// A folder or file setting as a full path. A relative path from the .env file is taken from that file's folder
    /// (as the app's own scripts did); any other relative path from <paramref name="currentDirectory"/>.
    /// </summary>
    public string? GetPath(string name, string currentDirectory)
    {
        var setting = this[name];
        if (setting.Value is null || Offsite.OffsiteLocation.IsOffsite(setting.Value))
        {
            // BACKUP_DIR=s3://... names a store, not a folder: it is taken as it is.
            return setting.Value;
        }

        var expanded = setting.Value.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), setting.Value[2..])
            : setting.Value;
        var baseDirectory = setting.Source == SettingSource.EnvFile ? Path.GetDirectoryName(EnvFile!.Path)! : currentDirectory;
        return Path.GetFullPath(expanded, baseDirectory);
    }

    public ArchiveCompression GetCompression() => ArchiveCompression.Parse(Get(SettingNames.BackupCompression));

    /// <summary>The recipients backups are encrypted to; empty when none are set. A recipients file is read from its folder rules as a path.</summary>
    public IReadOnlyList<AgeRecipient> GetRecipients(string currentDirectory)
    {
        var setting = this[SettingNames.BackupEncryptionRecipients];
        return setting.Value is null
            ? []
            : AgeRecipient.ParseList(setting.Value, setting.Source == SettingSource.EnvFile ? Path.GetDirectoryName(EnvFile!.Path)! : currentDirectory);
    }

    /// <summary>The identities in BACKUP_IDENTITY_FILE, or null when it is not set.</summary>
    public IReadOnlyList<AgeIdentity>? GetIdentities(string currentDirectory) =>
        GetPath(SettingNames.BackupIdentityFile, currentDirectory) is { } path ? AgeIdentity.ReadFile(path) : null;

    /// <summary>The database connection the settings describe, with the database credential's user and password if one was given.</summary>
    public DatabaseUrl GetDatabaseUrl() =>
        Get(SettingNames.DatabaseUrl) is { } url
            ? _databaseCredential is { } credential
                ? DatabaseUrl.Parse(url).WithCredential(credential.UserName, credential.Password)
                : DatabaseUrl.Parse(url)
            : throw new ScorecardException(ScorecardErrors.DatabaseUrlMissing,
                $"No database is configured: give -DatabaseUrl, or set {SettingNames.DatabaseUrl} in the environment or the .env file" +
                (EnvFile is null ? " (no .env file was found)." : $" ('{EnvFile.Path}')."));

    private string DescribeSource(ResolvedSetting setting) =>
        setting.Source == SettingSource.EnvFile ? $"from {EnvFile!.Path}" : $"from {setting.Source.ToString().ToLowerInvariant()}";

    private static string? Mask(ResolvedSetting setting) => setting switch
    {
        { Value: null } => null,
        { Definition.Name: SettingNames.DatabaseUrl } => DatabaseUrl.TryMask(setting.Value),
        { Definition.IsSecret: true } => ConfigSetting.Masked,
        { Definition.Name: SettingNames.BackupS3Url or SettingNames.BackupDir } => Offsite.OffsiteLocation.MaskKeys(setting.Value),
        _ => setting.Value,
    };
}
