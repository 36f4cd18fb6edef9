using SalesScorecard.Backup;
using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.Repository;

/// <summary>
/// The repositories the settings name, decided in one place so that no cmdlet decides which store it talks to: the
/// primary repository (BACKUP_DIR, a folder or an s3:// prefix), the store that offsite copies go to (BACKUP_S3_URL,
/// when the primary is a folder), and the state folder that holds the lock and backup.log (the folder itself, or for a
/// store, its folder under $XDG_STATE_HOME).
/// </summary>
internal sealed class BackupRepositories : IDisposable
{
    private BackupRepositories(IBackupRepository primary, StoreRepository? copyTarget, string stateFolder)
    {
        Primary = primary;
        CopyTarget = copyTarget;
        StateFolder = stateFolder;
    }

    public IBackupRepository Primary { get; }

    /// <summary>The store the primary repository's backups are copied to, or null.</summary>
    public StoreRepository? CopyTarget { get; }

    /// <summary>The primary repository when it is a store (BACKUP_DIR=s3://...), or null.</summary>
    public StoreRepository? PrimaryStore => Primary as StoreRepository;

    public string StateFolder { get; }

    public static BackupRepositories Open(ScorecardSettings settings, string currentDirectory)
    {
        var direct = OffsiteOptions.BackupDirStore(settings);
        var stateFolder = OffsiteOptions.LocalFolder(settings, direct, currentDirectory);
        var store = OffsiteOptions.FromSettings(settings, direct) is { } options ? StoreRepository.Open(options) : null;
        return direct is null
            ? new BackupRepositories(new LocalFolderRepository(stateFolder), store, stateFolder)
            : new BackupRepositories(store!, null, stateFolder);
    }

    /// <summary>The primary repository alone: BACKUP_DIR's folder, or the store BACKUP_DIR names.</summary>
    public static IBackupRepository OpenPrimary(ScorecardSettings settings, string currentDirectory) =>
        OffsiteOptions.BackupDirStore(settings) is { } direct
            ? OpenStore(settings, direct)
            : new LocalFolderRepository(settings.GetPath(SettingNames.BackupDir, currentDirectory)!);

    /// <summary>The store -Offsite means: the one BACKUP_DIR names when it is a store, else BACKUP_S3_URL's; OffsiteNotConfigured without either.</summary>
    public static StoreRepository OpenStore(ScorecardSettings settings, OffsiteLocation? location = null) =>
        StoreRepository.Open(OffsiteOptions.FromSettings(settings, location ?? OffsiteOptions.BackupDirStore(settings)) ?? throw OffsiteOptions.NotConfigured());

    /// <summary>
    /// The backup a path or an s3:// address names, with its manifest, and the repository that holds it (the caller
    /// disposes it). BackupManifestInvalid for a folder that is no backup, OffsiteBackupNotFound for a store address without one.
    /// </summary>
    public static async Task<(IBackupRepository Repository, StoredBackup Backup)> OpenBackupAsync(
        ScorecardSettings settings, string source, string parameter, CancellationToken cancellationToken)
    {
        if (!OffsiteLocation.IsOffsite(source))
        {
            var (folder, name) = StoredBackup.SplitFolder(source);
            var local = new LocalFolderRepository(folder);
            return (local, await StoredBackup.OpenAsync(local, name, problem => BackupCatalog.NotABackup(source, problem), cancellationToken).ConfigureAwait(false));
        }

        var (location, backupName) = OffsiteLocation.ParseBackup(source, parameter);
        var store = OpenStore(settings, location);
        try
        {
            return (store, await StoredBackup.OpenAsync(store, backupName, _ => store.Store.NoSuchBackup(backupName), cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Primary.Dispose();
        CopyTarget?.Dispose();
    }
}
