# The user cmdlets as the running app sees users (UPSTREAM.md, "How the running app treats users"): exact identity,
# a NULL isActive, the database's clock, the web client's trimmed passwords, PostgreSQL's character count, the pool.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Root = New-TestFolder
    # Every cmdlet here, the backup of the pool test included, reads only what this file sets.
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:Database = New-TestDatabase
    $env:DATABASE_URL = Get-TestDatabaseUrl $Database

    function Get-UsersDigest { (Invoke-TestSql -Database $Database -Sql "SELECT md5(string_agg(u::text, '|' ORDER BY id)) AS d FROM users u").d }
    function Get-AuditCount { (Invoke-TestSql -Database $Database -Sql 'SELECT count(*) AS n FROM audit_logs').n }
    function Get-UserRow([string] $Id, [string] $In = $Database) { Invoke-TestSql -Database $In -Sql "SELECT * FROM users WHERE id = '$Id'" }
    function Get-LastAudit([string] $Id) {
        Invoke-TestSql -Database $Database -Sql "SELECT action, details::text AS details FROM audit_logs WHERE ""entityId"" = '$Id' ORDER BY ""createdAt"" DESC, id DESC LIMIT 1"
    }
    function New-Password([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }
}

AfterAll {
    Restore-SettingEnvironment $SavedEnvironment
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'Identity: id, then the exact email, then a case-insensitive email only when unique' {
    BeforeAll {
        # The app lets two emails differ only in case; the table must really hold both.
        Invoke-TestSql -Database $Database -Sql @'
INSERT INTO users (id, email, password, "displayName", role, "isActive", "companyId")
VALUES ('app-user3-lower', 'user3@example.test', '$2b$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234', 'Lower Three', 'SALESPERSON', true, 'company_metro'),
       ('app-user3-upper', 'USER3@example.test', '$2b$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234', 'Upper Three', 'SALESPERSON', true, 'company_instorm')
'@ | Out-Null
        (Invoke-TestSql -Database $Database -Sql "SELECT count(*) AS n FROM users WHERE lower(email) = 'user3@example.test'").n | Should -Be 2
    }

    It 'changes the user whose email is exactly the one given, not the other' {
        Set-ScorecardUser -Identity USER3@example.test -DisplayName 'Upper Changed'
        (Get-UserRow app-user3-upper).displayName | Should -Be 'Upper Changed'
        (Get-UserRow app-user3-lower).displayName | Should -Be 'Lower Three'
        Set-ScorecardUser -Identity user3@example.test -DisplayName 'Lower Changed'
        (Get-UserRow app-user3-lower).displayName | Should -Be 'Lower Changed'
        (Get-UserRow app-user3-upper).displayName | Should -Be 'Upper Changed'
    }

    It 'gets only the exact match' {
        $found = @(Get-ScorecardUser -Identity USER3@example.test)
        $found.Count | Should -Be 1
        $found[0].Id | Should -Be 'app-user3-upper'
    }

    It 'aims Disable-ScorecardUser -WhatIf at the exact match, <Email>' -ForEach @(
        @{ Email = 'USER3@example.test'; Target = 'app-user3-upper'; Other = 'app-user3-lower' }
        @{ Email = 'user3@example.test'; Target = 'app-user3-lower'; Other = 'app-user3-upper' }
    ) {
        $text = Get-WhatIfText { Disable-ScorecardUser -Identity $Email -WhatIf }
        $text | Should -Match "What if: .*$Target"
        $text | Should -Not -Match $Other
        (Get-UserRow $Target).isActive | Should -BeTrue
    }

    It 'fails <Command> with AmbiguousIdentity listing both candidates when only the case differs from each' -ForEach @(
        @{ Command = 'Set-ScorecardUser'; Run = { Set-ScorecardUser -Identity User3@Example.test -DisplayName X -ErrorAction Stop } }
        @{ Command = 'Get-ScorecardUser'; Run = { Get-ScorecardUser -Identity User3@Example.test -ErrorAction Stop } }
        @{ Command = 'Disable-ScorecardUser'; Run = { Disable-ScorecardUser -Identity User3@Example.test -ErrorAction Stop } }
        @{ Command = 'Disable-ScorecardUser -WhatIf'; Run = { Disable-ScorecardUser -Identity User3@Example.test -WhatIf -ErrorAction Stop } }
        @{ Command = 'Enable-ScorecardUser'; Run = { Enable-ScorecardUser -Identity User3@Example.test -ErrorAction Stop } }
    ) {
        $digest = Get-UsersDigest
        $count = Get-AuditCount
        $err = { & $Run } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AmbiguousIdentity,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'app-user3-lower \(user3@example\.test'
        $err.Exception.Message | Should -Match 'app-user3-upper \(USER3@example\.test'
        Get-UsersDigest | Should -Be $digest
        Get-AuditCount | Should -Be $count
    }

    It 'still finds a unique email in another case' {
        (Get-ScorecardUser -Identity USER5@METRO.EXAMPLE).Email | Should -Be 'user5@metro.example'
    }
}

Describe 'A NULL isActive, as the app reads it' {
    BeforeEach {
        $script:NullUser = (Invoke-TestSql -Database $Database -Sql 'SELECT id FROM users WHERE "isActive" IS NULL ORDER BY id LIMIT 1').id
    }

    It 'shows the user as unable to sign in, says NULL and what the app does at restart' {
        $user = Get-ScorecardUser -Identity $NullUser -WarningVariable warnings -WarningAction SilentlyContinue
        $user.IsActive | Should -BeFalse
        $user.StoredIsActive | Should -BeNullOrEmpty
        $user.ActiveState | Should -Match '^NULL: cannot sign in; the app sets it to true at its next restart'
        $warnings | Should -Match 'next restart'
        ($user | Format-Table | Out-String) | Should -Match 'NULL'
    }

    It 'lists the user only with -IncludeInactive, as the app''s admin list hides it' {
        (Get-ScorecardUser).Id | Should -Not -Contain $NullUser
        (Get-ScorecardUser -IncludeInactive -WarningAction SilentlyContinue).Id | Should -Contain $NullUser
    }

    It 'is shown as NULL by Enable-ScorecardUser -WhatIf, which would set it to true' {
        $text = Get-WhatIfText { Enable-ScorecardUser -Identity $NullUser -WhatIf }
        $text | Should -Match "What if: .*$NullUser.*isActive NULL -> 'True'"
        (Invoke-TestSql -Database $Database -Sql "SELECT ""isActive"" IS NULL AS n FROM users WHERE id = '$NullUser'").n | Should -BeTrue
    }

    It 'is set to true by Enable-ScorecardUser, audited with the NULL it had' {
        $user = Enable-ScorecardUser -Identity $NullUser -PassThru
        $user.IsActive | Should -BeTrue
        (Get-UserRow $NullUser).isActive | Should -BeTrue
        $audit = Get-LastAudit $NullUser
        $audit.action | Should -Be 'USER_ENABLED'
        $change = ($audit.details | ConvertFrom-Json).changes.isActive
        $change.PSObject.Properties.Name | Should -Contain 'old'
        $change.old | Should -BeNullOrEmpty
        $change.new | Should -BeTrue
    }

    It 'is set to false by Disable-ScorecardUser, audited with the NULL it had' {
        Disable-ScorecardUser -Identity $NullUser
        (Get-UserRow $NullUser).isActive | Should -BeFalse
        $change = ((Get-LastAudit $NullUser).details | ConvertFrom-Json).changes.isActive
        $change.PSObject.Properties.Name | Should -Contain 'old'
        $change.old | Should -BeNullOrEmpty
        $change.new | Should -BeFalse
    }

    It 'stays NULL when Set-ScorecardUser changes something else' {
        Set-ScorecardUser -Identity $NullUser -DisplayName 'Still NULL'
        (Invoke-TestSql -Database $Database -Sql "SELECT ""isActive"" IS NULL AS n FROM users WHERE id = '$NullUser'").n | Should -BeTrue
    }
}

Describe 'Timestamps from the database''s clock, in its time zone, as the app writes them' {
    BeforeAll {
        $script:Sofia = New-TestDatabase
        Invoke-TestSql -Database postgres -Sql "ALTER DATABASE ""$Sofia"" SET timezone = 'Europe/Sofia'" | Out-Null
        $script:SofiaUrl = Get-TestDatabaseUrl $Sofia
        # The database's own now() as the app's INSERT would store it, before and after each step.
        function Get-DatabaseNow { (Invoke-TestSql -Database $Sofia -Sql 'SELECT now()::timestamp AS t, current_setting(''TimeZone'') AS zone') }
    }

    AfterAll { Remove-TestDatabase $Sofia }

    It 'writes createdAt and updatedAt as now() in Europe/Sofia, so updatedAt never precedes createdAt' {
        $before = Get-DatabaseNow
        $before.zone | Should -Be 'Europe/Sofia'
        $user = New-ScorecardUser -DatabaseUrl $SofiaUrl -Email 'clock@sofia.example' -DisplayName 'Clock' -Role SALESPERSON -CompanyId company_metro
        Set-ScorecardUser -DatabaseUrl $SofiaUrl -Identity $user.Id -DisplayName 'Clock Changed'
        $after = Get-DatabaseNow
        $row = Get-UserRow $user.Id -In $Sofia
        $row.createdAt | Should -BeGreaterOrEqual $before.t
        $row.createdAt | Should -BeLessOrEqual $row.updatedAt
        $row.updatedAt | Should -BeLessOrEqual $after.t
        $audit = Invoke-TestSql -Database $Sofia -Sql "SELECT min(""createdAt"") AS first, max(""createdAt"") AS last FROM audit_logs WHERE ""entityId"" = '$($user.Id)'"
        $audit.first | Should -BeGreaterOrEqual $before.t
        $audit.last | Should -BeLessOrEqual $after.t
    }

    It 'writes them in Europe/Sofia even with a PGTZ of another zone in the admin''s shell, and leaves PGTZ as it was' {
        $before = Get-DatabaseNow
        # Fourteen hours from UTC, eleven or twelve from Sofia: a shifted timestamp cannot fall inside the window. A
        # connection string of its own, so that no pooled connection logged in without PGTZ is reused.
        $env:PGTZ = 'Pacific/Kiritimati'
        try {
            $url = "${SofiaUrl}?application_name=pgtz-test"
            $user = New-ScorecardUser -DatabaseUrl $url -Email 'pgtz@sofia.example' -DisplayName 'Pgtz' -Role SALESPERSON -CompanyId company_metro
            Set-ScorecardUser -DatabaseUrl $url -Identity $user.Id -DisplayName 'Pgtz Changed'
            $env:PGTZ | Should -Be 'Pacific/Kiritimati'
        } finally { Remove-Item Env:PGTZ }
        $after = Get-DatabaseNow
        $row = Get-UserRow $user.Id -In $Sofia
        $row.createdAt | Should -BeGreaterOrEqual $before.t
        $row.updatedAt | Should -BeLessOrEqual $after.t
        $audit = Invoke-TestSql -Database $Sofia -Sql "SELECT min(""createdAt"") AS first, max(""createdAt"") AS last FROM audit_logs WHERE ""entityId"" = '$($user.Id)'"
        $audit.first | Should -BeGreaterOrEqual $before.t
        $audit.last | Should -BeLessOrEqual $after.t
    }
}

Describe 'Passwords the web client would trim' {
    It 'refuses <Why> with InvalidPassword saying the web client trims it' -ForEach @(
        @{ Why = 'a leading space'; Text = ' Leading-Space-1' }
        @{ Why = 'a trailing space'; Text = 'Trailing-Space-1 ' }
        @{ Why = 'a trailing tab'; Text = "Trailing-Tab-1`t" }
        @{ Why = 'a leading no-break space'; Text = "$([char]0xA0)No-Break-Space-1" }
        @{ Why = 'a leading byte order mark'; Text = "$([char]0xFEFF)Byte-Order-Mark-1" }
    ) {
        $id = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 1").id
        $digest = Get-UsersDigest
        $err = { Set-ScorecardUser -Identity $id -Password (New-Password $Text) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidPassword,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'web client trims'
        $err = { New-ScorecardUser -Email 'trim@metro.example' -DisplayName Trim -Role ADMIN -CompanyId company_metro -Password (New-Password $Text) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidPassword,*'
        Get-UsersDigest | Should -Be $digest
    }

    It 'accepts white space inside the password' {
        $id = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 1").id
        Set-ScorecardUser -Identity $id -Password (New-Password 'Inner Space 42')
        Test-BcryptPassword 'Inner Space 42' (Get-UserRow $id).password | Should -BeTrue
    }
}

Describe 'Display names, roles and the password audit, as PostgreSQL and the app store them' {
    BeforeAll {
        $script:Someone = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' AND ""isActive"" ORDER BY id LIMIT 1 OFFSET 5").id
    }

    It 'counts characters as PostgreSQL does: 255 emoji fit varchar(255), 256 do not' {
        $emoji = [char]::ConvertFromUtf32(0x1F600)
        (Set-ScorecardUser -Identity $Someone -DisplayName ($emoji * 255) -PassThru).DisplayName | Should -Be ($emoji * 255)
        (Invoke-TestSql -Database $Database -Sql "SELECT char_length(""displayName"") AS n FROM users WHERE id = '$Someone'").n | Should -Be 255
        $err = { Set-ScorecardUser -Identity $Someone -DisplayName ($emoji * 256) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidDisplayName,*'
        $err.Exception.Message | Should -Match '256 characters'
    }

    It 'refuses a NUL in the display name with InvalidDisplayName, not a database error' {
        $digest = Get-UsersDigest
        $err = { Set-ScorecardUser -Identity $Someone -DisplayName "Null`0Byte" -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidDisplayName,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'NUL'
        $err = { New-ScorecardUser -Email 'nul@metro.example' -DisplayName "Null`0Byte" -Role ADMIN -CompanyId company_metro -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidDisplayName,*'
        Get-UsersDigest | Should -Be $digest
    }

    It 'finds roles the app stored in lower case, shows them as stored, and a pipeline leaves them so' {
        Invoke-TestSql -Database $Database -Sql "UPDATE users SET role = 'sales_lead' WHERE id = '$Someone'" | Out-Null
        $lead = Get-ScorecardUser -Role SALES_LEAD -CompanyId company_metro | Where-Object Id -EQ $Someone
        $lead.Role | Should -Be 'sales_lead'
        $lead | Set-ScorecardUser -DisplayName 'Piped Lead'
        (Get-UserRow $Someone).role | Should -Be 'sales_lead'
        (Set-ScorecardUser -Identity $Someone -Role SALES_LEAD -PassThru).Role | Should -Be 'SALES_LEAD'
    }

    It 'audits a password change as "password changed", without values' {
        Set-ScorecardUser -Identity $Someone -Password (New-Password 'Audit-Me-42')
        $details = (Get-LastAudit $Someone).details | ConvertFrom-Json
        $details.changes.password | Should -Be 'password changed'
        (Get-LastAudit $Someone).details | Should -Not -Match '"old"|Audit-Me-42'
    }
}

Describe 'The connection pool: reused by a loop of calls, gone soon after' {
    BeforeAll {
        function Get-ModuleSessions([string] $In) {
            (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '$In' AND application_name = 'SalesScorecard'").n
        }
    }

    It 'logs in once for a loop of single calls' {
        $id = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 1 OFFSET 7").id
        $before = (Invoke-TestSql -Database postgres -Sql "SELECT sum(sessions) AS n FROM pg_stat_database WHERE datname = '$Database'").n
        1..20 | ForEach-Object { Set-ScorecardUser -Identity $id -DisplayName "Loop $_" }
        $after = (Invoke-TestSql -Database postgres -Sql "SELECT sum(sessions) AS n FROM pg_stat_database WHERE datname = '$Database'").n
        ($after - $before) | Should -BeLessOrEqual 3
        (Get-UserRow $id).displayName | Should -Be 'Loop 20'
    }

    It 'lets a plain DROP DATABASE through within seconds of a call' {
        $scratch = New-TestDatabase
        $scratchUrl = Get-TestDatabaseUrl $scratch
        Get-ScorecardUser -DatabaseUrl $scratchUrl -Identity super.admin@scorecard.example | Should -Not -BeNullOrEmpty
        # Pooled, the call's connection stays a moment (unless pruned already); then it must go by itself.
        Get-ModuleSessions $scratch | Should -BeLessOrEqual 1
        $watch = [Diagnostics.Stopwatch]::StartNew()
        while ((Get-ModuleSessions $scratch) -gt 0 -and $watch.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 200 }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        Invoke-TestSql -Database postgres -Sql "DROP DATABASE ""$scratch""" | Out-Null
    }

    It 'reconnects when the server ended the pooled connection' {
        $id = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 1 OFFSET 8").id
        Set-ScorecardUser -Identity $id -DisplayName 'Before Terminate'
        Invoke-TestSql -Database postgres -Sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$Database' AND application_name = 'SalesScorecard'" | Out-Null
        Set-ScorecardUser -Identity $id -DisplayName 'After Terminate' -ErrorAction Stop
        (Get-UserRow $id).displayName | Should -Be 'After Terminate'
    }

    It 'works on a database that Restore-ScorecardBackup -Clean replaced right after a call' {
        $destination = Join-Path $Root 'pool-backup'
        $id = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 1 OFFSET 9").id
        Set-ScorecardUser -Identity $id -DisplayName 'In The Backup'
        $backup = Invoke-ScorecardBackup -Destination $destination
        Set-ScorecardUser -Identity $id -DisplayName 'After The Backup'
        $backup | Restore-ScorecardBackup -TargetDatabase $Database -Clean -Confirm:$false | Out-Null
        (Get-ScorecardUser -Identity $id).DisplayName | Should -Be 'In The Backup'
        Set-ScorecardUser -Identity $id -DisplayName 'After The Restore' -ErrorAction Stop
        (Get-UserRow $id).displayName | Should -Be 'After The Restore'
    }
}

Describe 'Disable-ScorecardUser help: what disabling does in the running app' {
    It 'says the app keeps honouring tokens already issued, up to 24 hours, and disabling stops new sign-ins only' {
        $help = Get-Help Disable-ScorecardUser -Full | Out-String -Width 400
        $help | Should -Match 'stops new sign-ins, not sessions already open'
        $help | Should -Match 'tokens it already issued'
        $help | Should -Match '24 hours'
    }
}
