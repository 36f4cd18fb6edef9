BeforeDiscovery {
    $script:Vectors = @(Get-ChildItem (Join-Path $PSScriptRoot '../fixtures/age-testkit') -Exclude 'README.md' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Import-TestAssemblies
    $script:Root = New-TestFolder
    $script:ChunkSize = 64KB
    $script:SealedChunkSize = 64KB + 16

    function New-TestPath([string] $Name = 'file') { Join-Path $Root ("$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8)) }

    function New-RandomBytes([int] $Count) { , [System.Security.Cryptography.RandomNumberGenerator]::GetBytes($Count) }

    # An identity made by the real age-keygen: its file and its recipient.
    function New-AgeKeygenKey {
        $path = New-TestPath 'keygen'
        & age-keygen -o $path 2>$null
        if ($LASTEXITCODE -ne 0) { throw "age-keygen failed with exit code $LASTEXITCODE." }
        [pscustomobject]@{ Path = $path; Recipient = (& age-keygen -y $path) }
    }

    function ConvertTo-Recipients([string[]] $Recipient) {
        , [SalesScorecard.Encryption.AgeRecipient[]]@($Recipient | ForEach-Object { [SalesScorecard.Encryption.AgeRecipient]::Parse($_) })
    }

    # Encrypts with the module.
    function Protect-Bytes([byte[]] $Plaintext, [string[]] $Recipient) {
        $output = [IO.MemoryStream]::new()
        $encryptor = [SalesScorecard.Encryption.AgeEncryptor]::Create($output, (ConvertTo-Recipients $Recipient), $true)
        try { $encryptor.Write($Plaintext, 0, $Plaintext.Length) } finally { $encryptor.Dispose() }
        , $output.ToArray()
    }

    # Decrypts with the module; -Recipient is what a manifest would say the file was made for.
    function Unprotect-Bytes([byte[]] $Encrypted, [string[]] $IdentityFile, [string[]] $Recipient) {
        $identities = [SalesScorecard.Encryption.AgeIdentity[]]@($IdentityFile | ForEach-Object { [SalesScorecard.Encryption.AgeIdentity]::ReadFile($_) })
        $recipients = $Recipient ? (ConvertTo-Recipients $Recipient) : $null
        $decryptor = [SalesScorecard.Encryption.AgeDecryptor]::Open([IO.MemoryStream]::new($Encrypted), $identities, $false, $recipients)
        $output = [IO.MemoryStream]::new()
        try { $decryptor.CopyTo($output) } finally { $decryptor.Dispose() }
        , $output.ToArray()
    }

    # The real age tool, file to file.
    function Invoke-Age([string[]] $Arguments) {
        & age @Arguments 2>&1 | Write-Verbose
        if ($LASTEXITCODE -ne 0) { throw "age $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    }

    # age -d creates no output file for an empty plaintext.
    function Read-DecryptedFile([string] $Path) { , ((Test-Path $Path) ? [IO.File]::ReadAllBytes($Path) : [byte[]]@()) }

    function Save-Bytes([byte[]] $Bytes, [string] $Name = 'data') {
        $path = New-TestPath $Name
        [IO.File]::WriteAllBytes($path, $Bytes)
        $path
    }

    # The ScorecardException an action ends in (PowerShell wraps .NET exceptions), or null if it succeeds.
    function Get-ScorecardError([scriptblock] $Action) {
        try { & $Action | Out-Null } catch {
            $exception = $_.Exception
            while ($exception -and $exception -isnot [SalesScorecard.ScorecardException]) { $exception = $exception.InnerException }
            return $exception ?? $_.Exception
        }
        $null
    }

    function Get-Sha256([byte[]] $Bytes) { [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)) }

    function Get-HeaderLength([byte[]] $Encrypted) { [SalesScorecard.Encryption.AgeHeader]::Inspect([IO.MemoryStream]::new($Encrypted)).Length }

    function Get-SecretKeyLine([string] $IdentityFile) { (Get-Content $IdentityFile | Where-Object { $_ -like 'AGE-SECRET-KEY-1*' }) }
}

AfterAll {
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'age encryption interoperates with the age tool' {
    BeforeAll {
        $script:KeygenKey = New-AgeKeygenKey
        $script:ModuleKeyPath = New-TestPath 'module-key'
        $script:ModuleKey = New-ScorecardBackupKey -Path $ModuleKeyPath
    }

    It 'writes a file that age -d decrypts with an age-keygen identity' {
        $plaintext = New-RandomBytes 200000
        $encrypted = Save-Bytes (Protect-Bytes $plaintext $KeygenKey.Recipient) 'module.age'
        $decrypted = New-TestPath 'decrypted'
        Invoke-Age @('-d', '-i', $KeygenKey.Path, '-o', $decrypted, $encrypted)
        Get-Sha256 (Read-DecryptedFile $decrypted) | Should -Be (Get-Sha256 $plaintext)
    }

    It 'decrypts a file age -r wrote, with the identity file New-ScorecardBackupKey wrote' {
        $plaintext = New-RandomBytes 200000
        $encrypted = New-TestPath 'tool.age'
        Invoke-Age @('-r', $ModuleKey.Recipient, '-o', $encrypted, (Save-Bytes $plaintext))
        Get-Sha256 (Unprotect-Bytes ([IO.File]::ReadAllBytes($encrypted)) $ModuleKeyPath) | Should -Be (Get-Sha256 $plaintext)
    }

    It 'encrypts to several recipients, each of which age can decrypt with alone' {
        $plaintext = New-RandomBytes 1000
        $encrypted = Save-Bytes (Protect-Bytes $plaintext @($KeygenKey.Recipient, $ModuleKey.Recipient)) 'two.age'
        foreach ($identity in $KeygenKey.Path, $ModuleKeyPath) {
            $decrypted = New-TestPath 'decrypted'
            Invoke-Age @('-d', '-i', $identity, '-o', $decrypted, $encrypted)
            Get-Sha256 (Read-DecryptedFile $decrypted) | Should -Be (Get-Sha256 $plaintext)
        }
        [SalesScorecard.Encryption.AgeHeader]::Inspect([IO.File]::OpenRead($encrypted)).Stanzas.Type | Should -Be @('X25519', 'X25519')
    }

    It 'decrypts a file age wrote for several recipients with the identity of the last one' {
        $plaintext = New-RandomBytes 1000
        $encrypted = New-TestPath 'tool-two.age'
        Invoke-Age @('-r', $KeygenKey.Recipient, '-r', $ModuleKey.Recipient, '-o', $encrypted, (Save-Bytes $plaintext))
        Get-Sha256 (Unprotect-Bytes ([IO.File]::ReadAllBytes($encrypted)) $ModuleKeyPath) | Should -Be (Get-Sha256 $plaintext)
    }

    It 'round-trips <Size> bytes with age in both directions, in <Chunks> chunk(s)' -ForEach @(
        @{ Size = 0; Chunks = 1 }
        @{ Size = 65536; Chunks = 1 }
        @{ Size = 65537; Chunks = 2 }
    ) {
        $plaintext = New-RandomBytes $Size
        $fromModule = Protect-Bytes $plaintext $KeygenKey.Recipient
        # Empty input is one empty final chunk; 64 KiB is one full final chunk; one byte more needs a second chunk.
        $fromModule.Length - (Get-HeaderLength $fromModule) | Should -Be (16 + $Size + 16 * $Chunks)
        $decrypted = New-TestPath 'decrypted'
        Invoke-Age @('-d', '-i', $KeygenKey.Path, '-o', $decrypted, (Save-Bytes $fromModule))
        Get-Sha256 (Read-DecryptedFile $decrypted) | Should -Be (Get-Sha256 $plaintext)

        $fromTool = New-TestPath 'tool.age'
        Invoke-Age @('-r', $ModuleKey.Recipient, '-o', $fromTool, (Save-Bytes $plaintext))
        $roundTrip = Unprotect-Bytes ([IO.File]::ReadAllBytes($fromTool)) $ModuleKeyPath
        $roundTrip.Length | Should -Be $Size
        Get-Sha256 $roundTrip | Should -Be (Get-Sha256 $plaintext)
    }

    It 'round-trips 20 MB through age both ways' {
        $plaintext = Save-Bytes (New-RandomBytes 20MB) 'large'
        $expected = (Get-FileHash $plaintext -Algorithm SHA256).Hash
        $encrypted = New-TestPath 'large.age'
        $output = [IO.File]::Create($encrypted)
        $encryptor = [SalesScorecard.Encryption.AgeEncryptor]::Create($output, (ConvertTo-Recipients $KeygenKey.Recipient), $false)
        $source = [IO.File]::OpenRead($plaintext)
        try { $source.CopyTo($encryptor) } finally { $source.Dispose(); $encryptor.Dispose() }
        $decrypted = New-TestPath 'large.out'
        Invoke-Age @('-d', '-i', $KeygenKey.Path, '-o', $decrypted, $encrypted)
        (Get-FileHash $decrypted -Algorithm SHA256).Hash | Should -Be $expected

        $fromTool = New-TestPath 'large-tool.age'
        Invoke-Age @('-r', $ModuleKey.Recipient, '-o', $fromTool, $plaintext)
        $decryptor = [SalesScorecard.Encryption.AgeDecryptor]::Open([IO.File]::OpenRead($fromTool), [SalesScorecard.Encryption.AgeIdentity]::ReadFile($ModuleKeyPath), $false)
        try { [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($decryptor)) | Should -Be $expected } finally { $decryptor.Dispose() }
    }
}

Describe 'age streams keep memory flat' {
    BeforeAll {
        $script:Key = New-AgeKeygenKey
        $script:Plaintext = [IO.MemoryStream]::new((New-RandomBytes 20MB))
        # Sized up front: growing it would count as the encryptor's allocations.
        $script:Encrypted = [IO.MemoryStream]::new(21MB)
    }

    It 'allocates no more than its buffers to encrypt 20 MB' {
        $encryptor = [SalesScorecard.Encryption.AgeEncryptor]::Create($Encrypted, (ConvertTo-Recipients $Key.Recipient), $true)
        $before = [GC]::GetAllocatedBytesForCurrentThread()
        $Plaintext.CopyTo($encryptor, 64KB)
        $encryptor.Dispose()
        ([GC]::GetAllocatedBytesForCurrentThread() - $before) | Should -BeLessThan 2MB
        $Encrypted.Length | Should -BeGreaterThan 20MB
    }

    It 'allocates no more than its buffers to decrypt 20 MB' {
        $Encrypted.Position = 0
        $decryptor = [SalesScorecard.Encryption.AgeDecryptor]::Open($Encrypted, [SalesScorecard.Encryption.AgeIdentity]::ReadFile($Key.Path), $true)
        $before = [GC]::GetAllocatedBytesForCurrentThread()
        $decryptor.CopyTo([IO.Stream]::Null, 64KB)
        ([GC]::GetAllocatedBytesForCurrentThread() - $before) | Should -BeLessThan 2MB
        $decryptor.Dispose()
    }
}

Describe 'A changed age file is caught' {
    BeforeAll {
        $script:Key = New-AgeKeygenKey
        # Two full chunks and a short final one.
        $script:Plaintext = New-RandomBytes (2 * 64KB + 18928)
        $script:Original = Protect-Bytes $Plaintext $Key.Recipient
        $script:HeaderLength = Get-HeaderLength $Original
        $script:PayloadStart = $HeaderLength + 16

        function Get-ChangedCopy([int] $Position) {
            $copy = [byte[]]$Original.Clone()
            $index = $Position -lt 0 ? $copy.Length + $Position : $Position
            # 'A' or 'B': a change that stays valid base64 in the header, so that only the MAC or a tag can catch it.
            $copy[$index] = $copy[$index] -eq 0x41 ? 0x42 : 0x41
            , $copy
        }

        function Get-HeaderOffset([string] $Text) { [Text.Encoding]::ASCII.GetString($Original, 0, $HeaderLength).IndexOf($Text) }
    }

    It 'opens unchanged' {
        Get-Sha256 (Unprotect-Bytes $Original $Key.Path $Key.Recipient) | Should -Be (Get-Sha256 $Plaintext)
    }

    It 'fails as ArchiveTampered for a byte changed in <Where>' -ForEach @(
        @{ Where = "the stanza's ephemeral share"; Position = { (Get-HeaderOffset '-> X25519 ') + 15 } }
        @{ Where = "the stanza's body"; Position = { (Get-HeaderOffset "`n---") - 20 } }
        @{ Where = 'the MAC line'; Position = { $HeaderLength - 10 } }
        @{ Where = 'the payload nonce'; Position = { $HeaderLength + 3 } }
        @{ Where = 'the first chunk'; Position = { $PayloadStart + 1000 } }
        @{ Where = "the second chunk's tag"; Position = { $PayloadStart + 2 * $SealedChunkSize - 5 } }
        @{ Where = 'the last byte'; Position = { -1 } }
    ) {
        $changed = Get-ChangedCopy (& $Position)
        $failure = Get-ScorecardError { Unprotect-Bytes $changed $Key.Path $Key.Recipient }
        $failure.ErrorId | Should -Be 'ArchiveTampered'
        $failure.Category | Should -Be 'InvalidData'
        $failure.Message | Should -Match 'changed or cut short.*Use another backup'
    }

    It 'fails as IdentityDoesNotMatch, naming a changed header as a cause, when the recipients are not known' {
        $changed = Get-ChangedCopy ((Get-HeaderOffset '-> X25519 ') + 15)
        $failure = Get-ScorecardError { Unprotect-Bytes $changed $Key.Path }
        $failure.ErrorId | Should -Be 'IdentityDoesNotMatch'
        $failure.Message | Should -Match 'header was changed'
    }

    It 'fails as NotAgeEncrypted (invalid data) for a byte changed in the version line' {
        $failure = Get-ScorecardError { Unprotect-Bytes (Get-ChangedCopy 3) $Key.Path }
        $failure.ErrorId | Should -Be 'NotAgeEncrypted'
        $failure.Category | Should -Be 'InvalidData'
    }

    It 'fails as ArchiveTampered when cut <Where>' -ForEach @(
        @{ Where = 'inside the header'; Length = { $HeaderLength - 20 } }
        @{ Where = 'after the header'; Length = { $HeaderLength } }
        @{ Where = 'after the payload nonce'; Length = { $PayloadStart } }
        @{ Where = 'at the first chunk boundary'; Length = { $PayloadStart + $SealedChunkSize } }
        @{ Where = 'at the second chunk boundary'; Length = { $PayloadStart + 2 * $SealedChunkSize } }
        @{ Where = 'in the middle of a chunk'; Length = { $PayloadStart + $SealedChunkSize + 30000 } }
        @{ Where = 'one byte short'; Length = { $Original.Length - 1 } }
    ) {
        $cut = [byte[]]$Original[0..((& $Length) - 1)]
        $failure = Get-ScorecardError { Unprotect-Bytes $cut $Key.Path }
        $failure.ErrorId | Should -Be 'ArchiveTampered'
    }

    It 'fails as ArchiveTampered with data after the final chunk' -ForEach @(
        @{ Size = 100 }
        @{ Size = 65536 }
    ) {
        $extended = [byte[]]((Protect-Bytes (New-RandomBytes $Size) $Key.Recipient) + [byte[]](1, 2, 3))
        $failure = Get-ScorecardError { Unprotect-Bytes $extended $Key.Path }
        $failure.ErrorId | Should -Be 'ArchiveTampered'
    }

    It 'returns only authenticated chunks: the first, then the error at the changed second' {
        $changed = Get-ChangedCopy ($PayloadStart + $SealedChunkSize + 10)
        $decryptor = [SalesScorecard.Encryption.AgeDecryptor]::Open([IO.MemoryStream]::new($changed), [SalesScorecard.Encryption.AgeIdentity]::ReadFile($Key.Path), $false)
        $released = [IO.MemoryStream]::new()
        $failure = Get-ScorecardError { $decryptor.CopyTo($released) }
        $decryptor.Dispose()
        $failure.ErrorId | Should -Be 'ArchiveTampered'
        $released.Length | Should -Be 64KB
        Get-Sha256 $released.ToArray() | Should -Be (Get-Sha256 $Plaintext[0..(64KB - 1)])
    }

    It 'closes the input of a failed open, unless told to leave it open' -ForEach @(
        @{ LeaveOpen = $false }
        @{ LeaveOpen = $true }
    ) {
        $stream = [IO.MemoryStream]::new([byte[]](1, 2, 3))
        (Get-ScorecardError { [SalesScorecard.Encryption.AgeDecryptor]::Open($stream, [SalesScorecard.Encryption.AgeIdentity[]]@(), $LeaveOpen) }).ErrorId | Should -Be 'NotAgeEncrypted'
        $stream.CanRead | Should -Be $LeaveOpen
    }

    It 'refuses a file that is not age at all as invalid data' -ForEach @(
        @{ Kind = 'empty'; Bytes = [byte[]]@() }
        @{ Kind = 'random bytes'; Bytes = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(1000) }
        @{ Kind = 'a pg_dump archive'; Bytes = [Text.Encoding]::ASCII.GetBytes("PGDMP`u{1}`u{10}`0`u{4}`u{8}`u{1}`u{1}") }
    ) {
        $failure = Get-ScorecardError { Unprotect-Bytes $Bytes $Key.Path }
        $failure.ErrorId | Should -Be 'NotAgeEncrypted'
        $failure.Category | Should -Be 'InvalidData'
        $failure = Get-ScorecardError { [SalesScorecard.Encryption.AgeHeader]::Inspect([IO.MemoryStream]::new($Bytes)) }
        $failure.ErrorId | Should -Be 'NotAgeEncrypted'
    }
}

Describe 'AgeHeader.Inspect reads a header without an identity' {
    It 'counts the stanzas and their types, and stops at the payload' {
        $encrypted = Protect-Bytes (New-RandomBytes 10) @((New-AgeKeygenKey).Recipient, (New-AgeKeygenKey).Recipient, (New-AgeKeygenKey).Recipient)
        $stream = [IO.MemoryStream]::new($encrypted)
        $header = [SalesScorecard.Encryption.AgeHeader]::Inspect($stream)
        $header.Stanzas.Count | Should -Be 3
        $header.Stanzas.Type | Sort-Object -Unique | Should -Be 'X25519'
        $stream.Position | Should -Be $header.Length
        [Text.Encoding]::ASCII.GetString($encrypted, 0, $header.Length) | Should -Match "^age-encryption.org/v1`n(-> X25519 .+`n.+`n){3}--- .{43}`n$"
    }

    It 'fails as ArchiveTampered on a malformed header' {
        $encrypted = Protect-Bytes (New-RandomBytes 10) (New-AgeKeygenKey).Recipient
        $encrypted[22] = [byte][char]'='
        (Get-ScorecardError { [SalesScorecard.Encryption.AgeHeader]::Inspect([IO.MemoryStream]::new($encrypted)) }).ErrorId | Should -Be 'ArchiveTampered'
    }
}

Describe 'age identities' {
    BeforeAll {
        $script:Key = New-AgeKeygenKey
        $script:Other = New-AgeKeygenKey
        $script:Encrypted = Protect-Bytes (New-RandomBytes 100) $Key.Recipient
    }

    It 'fails as IdentityDoesNotMatch with a wrong identity, naming its public key and the stanza count' {
        $failure = Get-ScorecardError { Unprotect-Bytes $Encrypted $Other.Path }
        $failure.ErrorId | Should -Be 'IdentityDoesNotMatch'
        $failure.Category | Should -Be 'InvalidArgument'
        $failure.Message | Should -Match '1 X25519 recipient'
        $failure.Message | Should -Match ([regex]::Escape($Other.Recipient))
        $failure.Message | Should -Not -Match ([regex]::Escape((Get-SecretKeyLine $Other.Path).Substring(16)))
    }

    It 'names the recipients the file was made for, when they are known' {
        $failure = Get-ScorecardError { Unprotect-Bytes $Encrypted $Other.Path $Key.Recipient }
        $failure.ErrorId | Should -Be 'IdentityDoesNotMatch'
        $failure.Message | Should -Match "made for $([regex]::Escape($Key.Recipient))"
    }

    It 'finds the matching identity among several in one file' {
        $both = New-TestPath 'both'
        Get-Content $Other.Path, $Key.Path | Set-Content $both
        [SalesScorecard.Encryption.AgeIdentity]::ReadFile($both).Count | Should -Be 2
        (Unprotect-Bytes $Encrypted $both).Length | Should -Be 100
    }

    It 'gives the recipient of an identity as age-keygen -y does' {
        [SalesScorecard.Encryption.AgeIdentity]::ReadFile($Key.Path)[0].ToRecipient().ToString() | Should -Be $Key.Recipient
    }

    It 'rejects a damaged identity line as InvalidIdentity without repeating it' {
        $secret = Get-SecretKeyLine $Key.Path
        $damaged = New-TestPath 'damaged'
        $typo = $secret[30] -eq 'Q' ? 'P' : 'Q'
        Set-Content $damaged "# created: now`n$($secret.Substring(0, 30))$typo$($secret.Substring(31))"
        $failure = Get-ScorecardError { [SalesScorecard.Encryption.AgeIdentity]::ReadFile($damaged) }
        $failure.ErrorId | Should -Be 'InvalidIdentity'
        $failure.Message | Should -Match 'Line 2.*checksum'
        $failure.Message | Should -Not -Match ([regex]::Escape($secret.Substring(16, 10)))
    }

    It 'shows only the public key when an identity is printed' {
        $identity = [SalesScorecard.Encryption.AgeIdentity]::ReadFile($Key.Path)[0]
        $shown = Invoke-Capturing { $identity; $identity | Format-List * -Force; "$identity" }
        $shown | Should -Match ([regex]::Escape($Key.Recipient))
        $shown | Should -Not -Match ([regex]::Escape((Get-SecretKeyLine $Key.Path).Substring(16)))
    }
}

Describe 'age recipients' {
    BeforeAll {
        $script:Valid = (New-AgeKeygenKey).Recipient
        $script:Second = (New-AgeKeygenKey).Recipient
    }

    It 'rejects <Case> as InvalidRecipient, quoting at most its first characters' -ForEach @(
        @{ Case = 'an empty value'; Value = { '' }; Says = 'empty' }
        @{ Case = 'an ssh key'; Value = { 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb8Ykr2p1z4v' }; Says = "does not start with 'age1'" }
        @{ Case = 'an upper-case recipient'; Value = { $Valid.ToUpperInvariant() }; Says = 'lower-case' }
        @{ Case = 'a mistyped character'; Value = { $Valid.Substring(0, 20) + ($Valid[20] -eq 'q' ? 'p' : 'q') + $Valid.Substring(21) }; Says = 'checksum' }
        @{ Case = 'a truncated recipient'; Value = { $Valid.Substring(0, 40) }; Says = 'not a well-formed|checksum' }
        @{ Case = 'a post-quantum recipient'; Value = { 'age1pq1' + $Valid.Substring(5) }; Says = 'not a well-formed|checksum' }
    ) {
        $text = & $Value
        $failure = Get-ScorecardError { [SalesScorecard.Encryption.AgeRecipient]::Parse($text) }
        $failure.ErrorId | Should -Be 'InvalidRecipient'
        $failure.Category | Should -Be 'InvalidArgument'
        $failure.Message | Should -Match $Says
        if ($text.Length -gt 12) { $failure.Message | Should -Not -Match ([regex]::Escape($text.Substring(0, 12))) }
    }

    It 'reads a list separated by commas and spaces' {
        $list = [SalesScorecard.Encryption.AgeRecipient]::ParseList(" $Valid,$Second  $Valid ", $Root)
        @($list | ForEach-Object ToString) | Should -Be @($Valid, $Second)
    }

    It 'reads a recipients file relative to the base folder, with comments and blank lines' {
        $name = 'recipients-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.txt'
        Set-Content (Join-Path $Root $name) "# backup keys`n`n$Valid`n  # the second`n$Second`n"
        $list = [SalesScorecard.Encryption.AgeRecipient]::ParseList($name, $Root)
        @($list | ForEach-Object ToString) | Should -Be @($Valid, $Second)
    }

    It 'names the line of a bad recipient in a recipients file' {
        $path = New-TestPath 'recipients'
        Set-Content $path "$Valid`nage1notarecipient"
        $failure = Get-ScorecardError { [SalesScorecard.Encryption.AgeRecipient]::ParseList($path, $Root) }
        $failure.ErrorId | Should -Be 'InvalidRecipient'
        $failure.Message | Should -Match 'Line 2'
    }

    It 'refuses a missing or empty recipients file' {
        (Get-ScorecardError { [SalesScorecard.Encryption.AgeRecipient]::ParseList('missing.txt', $Root) }).ErrorId | Should -Be 'RecipientsFileNotFound'
        $empty = New-TestPath 'recipients'
        Set-Content $empty '# nothing yet'
        (Get-ScorecardError { [SalesScorecard.Encryption.AgeRecipient]::ParseList($empty, $Root) }).ErrorId | Should -Be 'InvalidRecipient'
    }
}

Describe 'New-ScorecardBackupKey writes an age identity' {
    BeforeAll {
        $script:Path = New-TestPath 'key'
        $script:Output = Invoke-Capturing { New-ScorecardBackupKey -Path $Path -Verbose }
        $script:Lines = Get-Content $Path
    }

    It 'writes the age-keygen file format' {
        $Lines.Count | Should -Be 3
        $Lines[0] | Should -Match '^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
        $Lines[1] | Should -Match '^# public key: age1[0-9a-z]{58}$'
        $Lines[2] | Should -Match '^AGE-SECRET-KEY-1[0-9A-Z]{58}$'
        $Lines[1].Substring(14) | Should -Be (& age-keygen -y $Path)
    }

    It 'returns the path and the recipient as a BackupKeyInfo' {
        $other = New-TestPath 'key'
        $key = New-ScorecardBackupKey -Path $other
        $key | Should -BeOfType 'SalesScorecard.BackupKeyInfo'
        $key.Path | Should -Be $other
        $key.Recipient | Should -Be (& age-keygen -y $other)
        (Get-Command New-ScorecardBackupKey).OutputType.Type | Should -Be ([SalesScorecard.BackupKeyInfo])
    }

    It 'makes the file owner-only (0600)' -Skip:$IsWindows {
        (Get-Item $Path).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'never shows the secret key in any output stream' {
        $Output | Should -Match 'age1'
        $Output | Should -Not -Match ([regex]::Escape($Lines[2].Substring(16)))
    }

    It 'refuses to overwrite an existing file, and leaves it as it was' {
        $before = Get-FileHash $Path
        $failure = Invoke-Capturing { New-ScorecardBackupKey -Path $Path -ErrorAction Stop }
        $failure | Should -Match 'IdentityFileExists'
        $failure | Should -Match 'ResourceExists'
        $failure | Should -Not -Match ([regex]::Escape($Lines[2].Substring(16)))
        (Get-FileHash $Path).Hash | Should -Be $before.Hash
    }

    It 'writes nothing with -WhatIf' {
        $path = New-TestPath 'whatif'
        New-ScorecardBackupKey -Path $path -WhatIf | Should -BeNullOrEmpty
        $path | Should -Not -Exist
    }

    It 'says plainly when the folder is missing' {
        { New-ScorecardBackupKey -Path (Join-Path (New-TestPath 'missing') 'key.txt') -ErrorAction Stop } |
            Should -Throw -ErrorId 'IdentityFileNotWritten,SalesScorecard.PowerShell.NewScorecardBackupKeyCommand'
    }

    It 'never shows the secret key when decryption fails' {
        $encrypted = Protect-Bytes (New-RandomBytes 10) (New-AgeKeygenKey).Recipient
        $text = Invoke-Capturing { Unprotect-Bytes $encrypted $Path }
        $text | Should -Match 'None of the given identities can open this file'
        $text | Should -Not -Match ([regex]::Escape($Lines[2].Substring(16)))
    }
}

Describe 'age testkit vector <Name>' -ForEach $Vectors {
    BeforeAll {
        # A vector: 'key: value' lines, an empty line, then the age file (zlib-compressed when it says so).
        $bytes = [IO.File]::ReadAllBytes($Path)
        $split = 0
        while (-not ($bytes[$split] -eq 10 -and $bytes[$split + 1] -eq 10)) { $split++ }
        $script:Fields = @{}
        $script:Identities = [Collections.Generic.List[SalesScorecard.Encryption.AgeIdentity]]::new()
        foreach ($line in [Text.Encoding]::ASCII.GetString($bytes, 0, $split) -split "`n") {
            $key, $value = $line -split ': ', 2
            if ($key -eq 'identity') { $Identities.Add([SalesScorecard.Encryption.AgeIdentity]::Parse($value)) } else { $Fields[$key] = $value }
        }
        $body = [IO.MemoryStream]::new($bytes, $split + 2, $bytes.Length - $split - 2)
        $file = $Fields['compressed'] -eq 'zlib' ? [IO.Compression.ZLibStream]::new($body, [IO.Compression.CompressionMode]::Decompress) : $body
        $script:Released = [IO.MemoryStream]::new()
        $script:Failure = Get-ScorecardError {
            $decryptor = [SalesScorecard.Encryption.AgeDecryptor]::Open($file, $Identities, $false)
            try { $decryptor.CopyTo($Released) } finally { $decryptor.Dispose() }
        }
    }

    It 'ends as the vector expects, having released exactly the authenticated plaintext' {
        $outcome = $null -eq $Failure ? 'success' : ($Failure.ErrorId ?? $Failure.GetType().Name)
        $expected = @{
            'success'         = @('success')
            'no match'        = @('IdentityDoesNotMatch')
            'HMAC failure'    = @('ArchiveTampered')
            'header failure'  = @('ArchiveTampered', 'NotAgeEncrypted')
            'payload failure' = @('ArchiveTampered')
        }[$Fields['expect']]
        $expected | Should -Not -BeNullOrEmpty -Because "'$($Fields['expect'])' is a known outcome"
        $outcome | Should -BeIn $expected -Because $Fields['comment']
        if ($Fields['payload']) { Get-Sha256 $Released.ToArray() | Should -Be $Fields['payload'].ToUpperInvariant() }
    }
}
