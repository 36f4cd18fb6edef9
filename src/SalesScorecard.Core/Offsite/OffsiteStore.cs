using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using Amazon.S3.Model;
using SalesScorecard.Backup;
using SalesScorecard.Settings;

namespace SalesScorecard.Offsite;

/// <summary>
/// Backups on an S3-compatible store, under <c>s3://bucket/prefix/&lt;backup name&gt;/</c>: the files of a backup
/// folder, manifest.json last, so that a backup without its manifest is never taken for a complete one.
/// </summary>
internal sealed class OffsiteStore : IDisposable
{
    private const string ManifestKeyName = BackupManifest.FileName;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly IAmazonS3 _client;

    private OffsiteStore(OffsiteOptions options, IAmazonS3 client)
    {
        Options = options;
        _client = client;
    }

    public OffsiteOptions Options { get; }

    public OffsiteLocation Location => Options.Location;

    public static OffsiteStore Open(OffsiteOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // S3-compatible stores (older MinIO, Ceph, B2, R2) reject the SDK's default checksum trailers; every object
            // is verified by reading it back instead, which works on every store. Bodies are sent whole, never in
            // aws-chunked encoding, which some stores (s3rver among them) keep as part of the object.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 3,
            // Per request: a store that accepts the connection and never answers fails each request at this bound.
            ConnectTimeout = options.RequestTimeout < ConnectTimeout ? options.RequestTimeout : ConnectTimeout,
            Timeout = options.RequestTimeout,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        var client = Credentials(options) is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
        return new OffsiteStore(options, client);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Puts manifest.json, the object that makes the backup count, and reads it back.</summary>
    internal Task PutManifestAsync(string backupName, byte[] manifestBytes, CancellationToken cancellationToken) =>
        PutJsonAsync(backupName, ManifestKeyName, manifestBytes, cancellationToken);

    /// <summary>Puts a small JSON object of a backup (its manifest, its pin) in one request, and reads it back.</summary>
    internal async Task PutJsonAsync(string backupName, string relative, byte[] content, CancellationToken cancellationToken)
    {
        var key = Location.BackupPrefix(backupName) + relative;
        using (var body = new MemoryStream(content, writable: false))
        {
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = Location.Bucket, Key = key, InputStream = body, AutoCloseStream = false, ContentType = "application/json", UseChunkEncoding = false },
                cancellationToken).ConfigureAwait(false);
        }

        await EnsureStoredAsync(key, ManifestFile.Of(content), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes one object of a backup (its pin); one that is not there is no failure.</summary>
    internal async Task DeleteObjectAsync(string backupName, string relative, CancellationToken cancellationToken)
    {
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = Location.BackupPrefix(backupName) + relative }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || IsTimeout(e)))
        {
            throw Translate(e, $"remove {relative} of {backupName}");
        }
    }

    /// <summary>Starts an object that is written as it is produced; nothing is visible until the stream is completed.</summary>
    /// <param name="slowestWrite">A write the store holds up longer than this fails the object (see <see cref="OffsiteUploadStream"/>); null for none.</param>
    internal OffsiteUploadStream CreateObject(string backupName, string relative, TimeSpan? slowestWrite, CancellationToken cancellationToken) =>
        new(_client, Location.Bucket, Location.BackupPrefix(backupName) + relative, Options.RequestTimeout, slowestWrite, cancellationToken);

    /// <summary>Reads an object back whole and fails with OffsiteVerifyFailed unless its size and SHA-256 are the expected ones.</summary>
    internal async Task EnsureStoredAsync(string key, ManifestFile expected, CancellationToken cancellationToken)
    {
        var (bytes, sha256) = await HashObjectAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes != expected.Bytes || sha256 != expected.Sha256)
        {
            throw new ScorecardException(ScorecardErrors.OffsiteVerifyFailed,
                $"{Location.Bucket}/{key} reads back as {bytes} bytes with SHA-256 {sha256[..12]}…, not the {expected.Bytes} bytes with SHA-256 " +
                $"{expected.Sha256[..12]}… that were written: the store changed or lost what it was sent.", $"{OffsiteLocation.Scheme}{Location.Bucket}/{key}");
        }
    }

    /// <summary>Size and SHA-256 of an object, read whole.</summary>
    public async Task<(long Bytes, string Sha256)> HashObjectAsync(string key, CancellationToken cancellationToken)
    {
        await using var stream = await OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long total = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Translate(e, $"read {key}");
        }

        return (total, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
    }

    /// <summary>An object's bytes as a stream; fails with OffsiteObjectNotFound when it is not there.</summary>
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Location.Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return new StoreObjectStream(response.ResponseStream, $"{OffsiteLocation.Scheme}{Location.Bucket}/{key}", Options.RequestTimeout);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey" || (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket"))
        {
            throw new ScorecardException(ScorecardErrors.OffsiteObjectNotFound,
                $"{OffsiteLocation.Scheme}{Location.Bucket}/{key} is not on the store.", key, e);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Translate(e, $"read {key}");
        }
    }

    /// <summary>Opens one file of a stored backup.</summary>
    public Task<Stream> OpenBackupFileAsync(string backupName, string relative, CancellationToken cancellationToken) =>
        OpenReadAsync(Location.BackupPrefix(backupName) + relative, cancellationToken);

    /// <summary>The manifest of a stored backup, or null when it has none or one that is not ours or not whole.</summary>
    public async Task<BackupManifest?> TryReadManifestAsync(string backupName, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await OpenBackupFileAsync(backupName, ManifestKeyName, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var manifest = BackupManifest.Deserialize(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
            return manifest.Producer == BackupManifest.ProducerName && manifest.Problem() is null && manifest.Name == backupName ? manifest : null;
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.OffsiteObjectNotFound || e.Error == ScorecardErrors.ArchiveTampered)
        {
            // A manifest changed on the store vouches for nothing.
            return null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>OffsiteBackupNotFound: the store holds no complete backup of that name.</summary>
    public ScorecardException NoSuchBackup(string backupName) =>
        new(ScorecardErrors.OffsiteBackupNotFound, $"There is no complete backup '{backupName}' in {Location} (no usable manifest.json).", Location.Url(backupName));

    /// <param name="problem">What of the copy is gone from the store, or null while every object is there.</param>
    public BackupInfo ToBackupInfo(BackupManifest manifest, string? problem = null)
    {
        var url = Location.Url(manifest.Name);
        // A stored manifest is written only after every object it names read back as written.
        var info = manifest.ToBackupInfo(url, problem);
        info.Offsite = url;
        info.OffsiteVerified = problem is null;
        return info;
    }

    /// <summary>Sizes of every object below <paramref name="keyPrefix"/>, by key.</summary>
    public async Task<Dictionary<string, long>> ListObjectsAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        var objects = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            var request = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = keyPrefix };
            ListObjectsV2Response response;
            do
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
                foreach (var item in response.S3Objects ?? [])
                {
                    objects[item.Key] = item.Size ?? 0;
                }

                request.ContinuationToken = response.NextContinuationToken;
            }
            while (response.IsTruncated == true);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Translate(e, $"list {Location}");
        }

        return objects;
    }

    /// <summary>True when every file the manifest lists is on the store with its size (a cheap check that reads no object).</summary>
    public static bool HasAllObjects(OffsiteLocation location, BackupManifest manifest, IReadOnlyDictionary<string, long> objects) =>
        MissingObjects(location, manifest, objects).Count == 0;

    /// <summary>The files the manifest lists that are not on the store, or not with their size, one line each; reads no object.</summary>
    public static IReadOnlyList<string> MissingObjects(OffsiteLocation location, BackupManifest manifest, IReadOnlyDictionary<string, long> objects)
    {
        var prefix = location.BackupPrefix(manifest.Name);
        var problems = new List<string>();
        foreach (var (relative, expected) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!objects.TryGetValue(prefix + relative, out var size))
            {
                problems.Add($"{relative}: missing");
            }
            else if (size != expected.Bytes)
            {
                problems.Add($"{relative}: {size} bytes, the manifest says {expected.Bytes}");
            }
        }

        return problems;
    }

    /// <summary>Removes a stored backup: its manifest first, so that a removal cut short never leaves a backup that looks complete.</summary>
    public async Task RemoveBackupAsync(string backupName, CancellationToken cancellationToken)
    {
        var prefix = Location.BackupPrefix(backupName);
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = prefix + ManifestKeyName }, cancellationToken).ConfigureAwait(false);
            foreach (var key in (await ListObjectsAsync(prefix, cancellationToken).ConfigureAwait(false)).Keys)
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not ScorecardException and not OperationCanceledException)
        {
            throw Translate(e, $"remove {backupName}");
        }
    }

    /// <summary>Removes what a failed copy left, as far as the store lets it; the failure itself is what gets reported.</summary>
    public async Task TryRemoveAsync(string backupPrefix)
    {
        try
        {
            // One request time-out for all of it: a store that stopped answering must not hold up the run's failure.
            using var cleanup = new CancellationTokenSource(Options.RequestTimeout);
            // The manifest first: a removal cut short must never leave one that vouches for missing objects.
            foreach (var key in (await ListObjectsAsync(backupPrefix, cleanup.Token).ConfigureAwait(false)).Keys
                         .OrderBy(key => key.EndsWith("/" + ManifestKeyName, StringComparison.Ordinal) ? 0 : 1))
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = key }, cleanup.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is ScorecardException or AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Without its manifest nothing there is ever listed, restored or counted by retention.
        }
    }

    /// <summary>Turns what the SDK or the network threw into an error that says what to change. Never quotes a key.</summary>
    public ScorecardException Translate(Exception e, string doing)
    {
        var where = Options.Describe();
        return e switch
        {
            ScorecardException known => known,
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" } => new ScorecardException(ScorecardErrors.OffsiteAuthenticationFailed,
                $"The store {where} does not know the access key id in AWS_ACCESS_KEY_ID (or the profile's): check the key id and AWS_SECRET_ACCESS_KEY.", where, e),
            AmazonS3Exception { ErrorCode: "SignatureDoesNotMatch" } => new ScorecardException(ScorecardErrors.OffsiteAuthenticationFailed,
                $"The store {where} refused the request's signature: AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID, or BACKUP_S3_REGION is wrong.", where, e),
            AmazonS3Exception { ErrorCode: "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" } => new ScorecardException(ScorecardErrors.OffsiteAuthenticationFailed, $"The store {where} refused the session token: AWS_SESSION_TOKEN has expired or is wrong; get new temporary credentials.", where, e),
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } => new ScorecardException(ScorecardErrors.OffsiteBucketNotFound,
                $"The bucket '{Location.Bucket}' does not exist on {where}: create it, or correct BACKUP_S3_URL (and BACKUP_S3_ENDPOINT, BACKUP_S3_REGION).", where, e),
            AmazonS3Exception { ErrorCode: "AccessDenied" or "AllAccessDisabled" } or AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } => new ScorecardException(
                ScorecardErrors.OffsiteAccessDenied,
                $"The store {where} denied the credentials the right to {doing}: grant them s3:ListBucket on the bucket and s3:PutObject, s3:GetObject, " +
                "s3:DeleteObject and s3:AbortMultipartUpload on the prefix.", where, e),
            AmazonS3Exception { ErrorCode: "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" } => new ScorecardException(
                ScorecardErrors.OffsiteNotReachable,
                $"The bucket '{Location.Bucket}' is in another region than {Options.Region}: set BACKUP_S3_REGION to its region. ({e.Message})", where, e),
            AmazonServiceException { InnerException: { } inner } when IsNetwork(inner) => Unreachable(where, doing, inner),
            AmazonClientException when e.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) => new ScorecardException(ScorecardErrors.OffsiteAuthenticationFailed,
                $"No credentials for {where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE. ({e.Message})", where, e),
            _ when IsNetwork(e) => Unreachable(where, doing, e),
            _ => new ScorecardException(ScorecardErrors.OffsiteRequestFailed, $"Could not {doing} on {where}: {e.Message}", where, e),
        };
    }

    private ScorecardException Unreachable(string where, string doing, Exception e) =>
        new(ScorecardErrors.OffsiteNotReachable, IsTimeout(e)
                ? $"The store {where} did not answer a request to {doing} within {Options.RequestTimeout.TotalSeconds:0} s ({SettingNames.BackupS3TimeoutSeconds}): " +
                  "it accepts connections but does not answer. Check the store's health and the network; raise the setting only for a store known to be that slow."
                : $"Cannot reach the store {where} to {doing}: {Innermost(e).Message} Check BACKUP_S3_ENDPOINT (empty for AWS), the network and, for https, the certificate.",
            where, e);

    /// <summary>A request that got no answer in time (the HTTP client's time-out), as opposed to one refused or cut off.</summary>
    internal static bool IsTimeout(Exception e) =>
        e is TimeoutException or TaskCanceledException { InnerException: TimeoutException } || (e.InnerException is { } inner && IsTimeout(inner));

    /// <summary>Anything the store or the network threw, a request's time-out included, but not a cancellation by the caller.</summary>
    private static bool IsStoreFailure(Exception e) => e is not OperationCanceledException || e is TaskCanceledException { InnerException: TimeoutException };

    private static bool IsNetwork(Exception e) =>
        e is HttpRequestException or SocketException or AuthenticationException or TimeoutException or IOException or TaskCanceledException ||
        (e.InnerException is { } inner && IsNetwork(inner));

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    private static AWSCredentials? Credentials(OffsiteOptions options)
    {
        if (options.AccessKeyId is { } keyId && options.SecretAccessKey is { } secret)
        {
            return options.SessionToken is { } token ? new SessionAWSCredentials(keyId, secret, token) : new BasicAWSCredentials(keyId, secret);
        }

        if (options.Profile is { } profile)
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile)
                ? fromProfile
                : throw new ScorecardException(ScorecardErrors.OffsiteAuthenticationFailed,
                    $"AWS_PROFILE names the profile '{profile}', which the AWS shared credentials and config files do not hold.", profile);
        }

        return null; // The SDK's default chain: instance roles, SSO, the default profile.
    }
}
