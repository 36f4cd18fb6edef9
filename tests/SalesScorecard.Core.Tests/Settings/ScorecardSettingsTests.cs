using System.Net;
using SalesScorecard.Settings;

namespace SalesScorecard.Tests.Settings;

public sealed class ScorecardSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ScorecardSettings Load(
        Dictionary<string, string?>? parameters = null, Dictionary<string, string>? environment = null, string? envFile = null, NetworkCredential? credential = null,
        bool explicitEnvFile = false) =>
        ScorecardSettings.Load(parameters ?? [], name => environment?.GetValueOrDefault(name),
            envFile is null ? null : new EnvFileChoice(envFile, explicitEnvFile), credential);

    [Fact]
    public void ParameterBeatsEnvironmentBeatsEnvFileBeatsDefault()
    {
        var envFile = _folder.Write(".env", "SMTP_HOST=from-file\nSMTP_PORT=2525\nSMTP_USER=file-user\n");

        var settings = Load(
            new() { ["SMTP_HOST"] = "from-parameter" },
            new() { ["SMTP_HOST"] = "from-environment", ["SMTP_PORT"] = "2526" },
            envFile);

        Assert.Equal(("from-parameter", SettingSource.Parameter), (settings["SMTP_HOST"].Value, settings["SMTP_HOST"].Source));
        Assert.Equal(("2526", SettingSource.Environment), (settings["SMTP_PORT"].Value, settings["SMTP_PORT"].Source));
        Assert.Equal(("file-user", SettingSource.EnvFile), (settings["SMTP_USER"].Value, settings["SMTP_USER"].Source));
        Assert.Equal(("30", SettingSource.Default), (settings["SMTP_TIMEOUT_SECONDS"].Value, settings["SMTP_TIMEOUT_SECONDS"].Source));
    }

    [Fact]
    public void AnEnvFileNamedExplicitlyBeatsTheEnvironmentAndSaysWhichVariablesItOverrode()
    {
        var envFile = _folder.Write("prod.env", "DATABASE_URL=postgresql://u:FilePw1@prod.example/sales\nSMTP_PORT=2525\nSMTP_USER=same\n");
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "postgresql://u:ShellPw1@staging.example/sales",
            ["SMTP_PORT"] = "2526",
            ["SMTP_USER"] = "same",
            ["SMTP_HOST"] = "from-environment",
        };

        var settings = Load(new() { ["SMTP_PORT"] = "25" }, environment, envFile, explicitEnvFile: true);

        Assert.Equal(SettingSource.EnvFile, settings["DATABASE_URL"].Source);
        Assert.Contains("prod.example", settings["DATABASE_URL"].Value, StringComparison.Ordinal);
        Assert.Equal(("25", SettingSource.Parameter), (settings["SMTP_PORT"].Value, settings["SMTP_PORT"].Source));
        Assert.Equal(("from-environment", SettingSource.Environment), (settings["SMTP_HOST"].Value, settings["SMTP_HOST"].Source));
        // Only a different value that lost is worth a warning; a parameter beat both.
        Assert.Equal(["DATABASE_URL"], settings.OverriddenEnvironment);

        var implicitFile = Load(null, environment, envFile, explicitEnvFile: false);
        Assert.Equal(SettingSource.Environment, implicitFile["DATABASE_URL"].Source);
        Assert.Empty(implicitFile.OverriddenEnvironment);
    }

    [Fact]
    public void AnEmptyValueAtAnyLevelCountsAsNotSet()
    {
        var envFile = _folder.Write(".env", "SMTP_HOST=from-file\nSMTP_PORT=\n");

        var settings = Load(new() { ["SMTP_HOST"] = "", ["SMTP_USER"] = null }, new() { ["SMTP_HOST"] = "" }, envFile);

        Assert.Equal(("from-file", SettingSource.EnvFile), (settings["SMTP_HOST"].Value, settings["SMTP_HOST"].Source));
        Assert.Equal(("587", SettingSource.Default), (settings["SMTP_PORT"].Value, settings["SMTP_PORT"].Source));
        Assert.Equal((null, SettingSource.Default), (settings["SMTP_USER"].Value, settings["SMTP_USER"].Source));
    }

    [Fact]
    public void AnUnknownSettingNameIsAProgrammingError()
    {
        Assert.Throws<ArgumentException>(() => Load().Get("SMTP_PASSWORD"));
    }

    [Fact]
    public void DescribeMasksSecretsAndNamesTheSource()
    {
        var envFile = _folder.Write(".env", "SMTP_PASS=Secr3tMail\nAWS_SECRET_ACCESS_KEY=Secr3tAws\n");

        var described = Load(new() { ["DATABASE_URL"] = "postgresql://admin:Secr3tDb@db.example.org/sales" }, envFile: envFile)
            .Describe().ToDictionary(s => s.Name);

        Assert.Equal("postgresql://admin:********@db.example.org/sales", described["DATABASE_URL"].Value);
        Assert.Equal("Parameter", described["DATABASE_URL"].Source);
        Assert.Equal(("********", $"EnvFile:{envFile}"), (described["SMTP_PASS"].Value, described["SMTP_PASS"].Source));
        Assert.Equal("********", described["AWS_SECRET_ACCESS_KEY"].Value);
        Assert.Null(described["AWS_SESSION_TOKEN"].Value);
        Assert.Equal(("587", "Default"), (described["SMTP_PORT"].Value, described["SMTP_PORT"].Source));
        Assert.DoesNotContain(described.Values, s => s.Value?.Contains("Secr3t", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("36500", 36500)]
    [InlineData("0", 0)]
    [InlineData(" 45 ", 45)]
    public void GetIntReadsAWholeNumberInTheRangeOfItsDefinition(string value, int expected)
    {
        Assert.Equal(expected, Load(new() { ["BACKUP_RETENTION_DAYS"] = value }).GetInt("BACKUP_RETENTION_DAYS"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("36501")]
    [InlineData("7.5")]
    [InlineData("99999999999")]
    public void GetIntRejectsAnythingElseNamingTheSettingAndItsSource(string value)
    {
        var settings = Load(environment: new() { ["BACKUP_RETENTION_DAYS"] = value });

        var error = Errors.Raises("InvalidSetting", () => settings.GetInt("BACKUP_RETENTION_DAYS"));

        Assert.Equal(ScorecardErrorCategory.InvalidArgument, error.Category);
        Assert.Equal("BACKUP_RETENTION_DAYS", error.Target);
        Assert.StartsWith("BACKUP_RETENTION_DAYS (from environment) must be a whole number from 0 to 36500", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hunter2Secret", "it is not a whole number.")]
    [InlineData("40000", "it is 40000.")]
    public void GetIntQuotesOnlyAValueItReadAsANumber(string value, string ending)
    {
        var error = Errors.Raises("InvalidSetting", () => Load(new() { ["BACKUP_RETENTION_DAYS"] = value }).GetInt("BACKUP_RETENTION_DAYS"));

        Assert.EndsWith(ending, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryWholeNumberSettingTheModuleReadsHasItsRange()
    {
        string[] wholeNumbers = [SettingNames.SmtpPort, SettingNames.SmtpTimeoutSeconds, SettingNames.SmtpRetrySeconds, SettingNames.BackupRetentionDays,
            SettingNames.BackupKeepMin, SettingNames.BackupStallSeconds, SettingNames.BackupS3RetentionDays, SettingNames.BackupS3KeepMin, SettingNames.BackupS3TimeoutSeconds,
            SettingNames.BackupAnomalyDropPercent, SettingNames.BackupAnomalyMinRows];

        Assert.Equal(wholeNumbers.Order(), SettingNames.All.Where(d => d.Range is not null).Select(d => d.Name).Order());
        Assert.Throws<ArgumentException>(() => Load().GetInt(SettingNames.BackupDir));
    }

    [Fact]
    public void GetBoolNeverQuotesTheValue()
    {
        var error = Errors.Raises("InvalidSetting", () => Load(new() { ["BACKUP_S3_FORCE_PATH_STYLE"] = "Hunter2Secret" }).GetBool("BACKUP_S3_FORCE_PATH_STYLE"));

        Assert.DoesNotContain("Hunter2Secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetIntNamesTheEnvFileItCameFrom()
    {
        var envFile = _folder.Write(".env", "SMTP_PORT=none\n");

        var error = Errors.Raises("InvalidSetting", () => Load(envFile: envFile).GetInt("SMTP_PORT"));

        Assert.Contains($"from {envFile}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetBoolTakesTrueFalseYesNoOneZeroInAnyCaseAndIsNullWhenUnset()
    {
        static bool? Read(string? value) => Load(new() { ["BACKUP_S3_FORCE_PATH_STYLE"] = value }).GetBool("BACKUP_S3_FORCE_PATH_STYLE");

        Assert.Equal([true, true, true, false, false, false, null], new[] { "true", " YES ", "1", "False", "no", "0", null }.Select(Read));
        Errors.Raises("InvalidSetting", () => Read("on"));
    }

    [Fact]
    public void GetPathFromTheEnvFileIsRelativeToItsFolder()
    {
        var envFile = _folder.Write("app/.env", "BACKUP_DIR=../backups\n");

        var path = Load(envFile: envFile).GetPath("BACKUP_DIR", "/somewhere/else");

        Assert.Equal(Path.Combine(_folder.Path, "backups"), path);
    }

    [Fact]
    public void GetPathFromAParameterOrTheDefaultIsRelativeToTheCurrentDirectory()
    {
        var current = Path.Combine(_folder.Path, "cwd");

        Assert.Equal(Path.Combine(current, "nightly"), Load(new() { ["BACKUP_DIR"] = "nightly" }).GetPath("BACKUP_DIR", current));
        Assert.Equal(Path.Combine(current, "backups"), Load().GetPath("BACKUP_DIR", current));
    }

    [Fact]
    public void GetPathExpandsTheHomeFolderAndIsNullWhenUnset()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        Assert.Equal(Path.Combine(home, "keys", "age.txt"), Load(new() { ["BACKUP_IDENTITY_FILE"] = "~/keys/age.txt" }).GetPath("BACKUP_IDENTITY_FILE", _folder.Path));
        Assert.Null(Load().GetPath("BACKUP_IDENTITY_FILE", _folder.Path));
    }

    [Fact]
    public void GetDatabaseUrlAppliesTheCredential()
    {
        var settings = Load(new() { ["DATABASE_URL"] = "postgresql://old:oldpw@localhost/sales" }, credential: new NetworkCredential("admin", "newpw"));

        var url = settings.GetDatabaseUrl();

        Assert.Equal(("admin", "newpw", "sales"), (url.Username, url.Builder.Password, url.Database));
    }

    [Fact]
    public void AMissingDatabaseUrlSaysWhereItWasLookedFor()
    {
        var envFile = _folder.Write(".env", "SMTP_HOST=x\n");

        var withFile = Errors.Raises("DatabaseUrlMissing", () => Load(envFile: envFile).GetDatabaseUrl());
        var withoutFile = Errors.Raises("DatabaseUrlMissing", () => Load().GetDatabaseUrl());

        Assert.Contains(envFile, withFile.Message, StringComparison.Ordinal);
        Assert.Contains("no .env file was found", withoutFile.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocateEnvFilePrefersTheExplicitPathThenTheVariableThenTheLocalFile()
    {
        var explicitFile = _folder.Write("explicit.env", "");
        var namedFile = _folder.Write("named.env", "");
        var localFile = _folder.Write(".env", "");
        Func<string, string?> named = name => name == "SCORECARD_ENV_FILE" ? "named.env" : null;

        Assert.Equal(new EnvFileChoice(explicitFile, true), ScorecardSettings.LocateEnvFile("explicit.env", named, _folder.Path));
        Assert.Equal(new EnvFileChoice(namedFile, false), ScorecardSettings.LocateEnvFile(null, named, _folder.Path));
        Assert.Equal(new EnvFileChoice(localFile, false), ScorecardSettings.LocateEnvFile("", _ => null, _folder.Path));
        Assert.Null(ScorecardSettings.LocateEnvFile(null, _ => null, Path.Combine(_folder.Path, "sub")));
    }

    [Fact]
    public void LocateEnvFileRejectsAMissingFileOrAFolder()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "conf"));

        var missing = Errors.Raises("EnvFileNotFound", () => ScorecardSettings.LocateEnvFile("nosuch.env", _ => null, _folder.Path));
        var folder = Errors.Raises("EnvFileIsFolder", () => ScorecardSettings.LocateEnvFile(null, _ => "conf", _folder.Path));

        Assert.Equal(ScorecardErrorCategory.ObjectNotFound, missing.Category);
        Assert.Contains("-EnvFile", missing.Message, StringComparison.Ordinal);
        Assert.Contains("SCORECARD_ENV_FILE", folder.Message, StringComparison.Ordinal);
    }
}
