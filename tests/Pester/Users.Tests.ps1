BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:SavedUrl = $env:DATABASE_URL
    $env:DATABASE_URL = $Url
    $script:SeedUser = '08d281be-572e-4590-ab5a-199793077bf7'
    $script:Root = New-TestFolder

    # A digest of the whole users table: equal digests, nothing changed.
    function Get-UsersDigest { (Invoke-TestSql -Database $Database -Sql "SELECT md5(string_agg(u::text, '|' ORDER BY id)) AS d FROM users u").d }
    function Get-AuditCount { (Invoke-TestSql -Database $Database -Sql 'SELECT count(*) AS n FROM audit_logs').n }
    function Get-UserRow([string] $Id) { Invoke-TestSql -Database $Database -Sql "SELECT * FROM users WHERE id = '$Id'" }
    function Get-InstormUserId { (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_instorm' ORDER BY id LIMIT 1").id }
}

AfterAll {
    $env:DATABASE_URL = $SavedUrl
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'Set-ScorecardUser' {
    It 'does the seed''s failed save: user id, company_metro, display name, email and role' {
        $before = Get-UserRow $SeedUser
        $user = Set-ScorecardUser -Identity $SeedUser -CompanyId company_metro -DisplayName 'Zahari Vassilev' -Email 'zahari.v@instorm.example' -Role SALES_DIRECTOR -PassThru
        $user.pstypenames[0] | Should -Be 'SalesScorecard.ScorecardUser'
        $user.DisplayName | Should -Be 'Zahari Vassilev'
        $user.Email | Should -Be 'zahari.v@instorm.example'
        $user.Role | Should -Be 'SALES_DIRECTOR'
        $after = Get-UserRow $SeedUser
        $after.password | Should -Be $before.password
        $after.updatedAt | Should -BeGreaterThan $before.updatedAt
        $user.PSObject.Properties.Name | Should -Not -Contain 'Password'
    }

    It 'changes only the fields given' {
        $before = Get-UserRow $SeedUser
        Set-ScorecardUser -Identity $SeedUser -DisplayName 'Only The Name'
        $after = Get-UserRow $SeedUser
        $after.displayName | Should -Be 'Only The Name'
        foreach ($column in 'email', 'role', 'password', 'isActive', 'companyId', 'createdAt') { $after.$column | Should -Be $before.$column -Because $column }
    }

    It 'writes one audit row with old and new values and who ran it' {
        $count = Get-AuditCount
        Set-ScorecardUser -Identity $SeedUser -Role 'regional_manager' -Password (ConvertTo-SecureString 'N3w-Secret-Pass' -AsPlainText -Force)
        Get-AuditCount | Should -Be ($count + 1)
        $audit = Invoke-TestSql -Database $Database -Sql "SELECT action, ""entityType"", ""entityId"", ""companyId"", details::text AS details FROM audit_logs ORDER BY ""createdAt"" DESC, id LIMIT 1"
        $audit.action | Should -Be 'USER_UPDATED'
        $audit.entityType | Should -Be 'user'
        $audit.entityId | Should -Be $SeedUser
        $audit.companyId | Should -Be 'company_metro'
        $details = $audit.details | ConvertFrom-Json
        $details.changes.role.new | Should -Be 'REGIONAL_MANAGER'
        $details.changes.password | Should -Be 'password changed'
        $details.actor.osUser | Should -Be ([Environment]::UserName)
        $audit.details | Should -Not -Match 'N3w-Secret-Pass'
    }

    It 'stores roles in upper case, whatever case they are given in' {
        (Set-ScorecardUser -Identity $SeedUser -Role 'Sales_Lead' -PassThru).Role | Should -Be 'SALES_LEAD'
    }

    It 'stores a $2b$ bcrypt hash of cost 10 that verifies' {
        Set-ScorecardUser -Identity $SeedUser -Password (ConvertTo-SecureString 'Sc0recard! Пароль' -AsPlainText -Force)
        $hash = (Get-UserRow $SeedUser).password
        $hash | Should -Match '^\$2b\$10\$.{53}$'
        Test-BcryptPassword 'Sc0recard! Пароль' $hash | Should -BeTrue
        Test-BcryptPassword 'wrong' $hash | Should -BeFalse
    }

    It 'writes hashes Node''s bcryptjs accepts' -Skip:(-not (Get-Command node -ErrorAction SilentlyContinue) -or -not (Get-Command npm -ErrorAction SilentlyContinue)) {
        $folder = Join-Path $Root 'node-bcrypt'
        New-Item -ItemType Directory $folder | Out-Null
        & npm install --prefix $folder --no-audit --no-fund --silent bcryptjs@2 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'npm could not install bcryptjs here'; return }
        Set-ScorecardUser -Identity $SeedUser -Password (ConvertTo-SecureString 'Sc0recard! Пароль' -AsPlainText -Force)
        $hash = (Get-UserRow $SeedUser).password
        $env:NODE_PATH = Join-Path $folder 'node_modules'
        try {
            $verdict = 'Sc0recard! Пароль' | & node -e "const b=require('bcryptjs');let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(b.compareSync(s.trim(),process.argv[1])))" $hash
        } finally { $env:NODE_PATH = $null }
        $verdict | Should -Be 'true'
    }

    It 'finds a user by email, in any case' {
        $email = (Get-UserRow $SeedUser).email
        (Set-ScorecardUser -Identity $email.ToUpperInvariant() -DisplayName 'By Email' -PassThru).Id | Should -Be $SeedUser
    }

    It 'changes nothing under -WhatIf' {
        $digest = Get-UsersDigest
        $count = Get-AuditCount
        Set-ScorecardUser -Identity $SeedUser -DisplayName 'What If' -Role ADMIN -WhatIf
        Get-UsersDigest | Should -Be $digest
        Get-AuditCount | Should -Be $count
    }

    It 'fails with <Id> and changes nothing when <Why>' -ForEach @(
        @{ Id = 'UserNotFound'; Why = 'the user does not exist'; Category = 'ObjectNotFound'; Splat = @{ Identity = 'no-such-user'; DisplayName = 'X' } }
        @{ Id = 'UserNotFound'; Why = 'the identity is an injection attempt'; Category = 'ObjectNotFound'; Splat = @{ Identity = "x' OR '1'='1"; DisplayName = 'X' } }
        @{ Id = 'UserNotInCompany'; Why = 'the user is in another company'; Category = 'PermissionDenied'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; CompanyId = 'company_instorm'; DisplayName = 'X' } }
        @{ Id = 'InvalidEmail'; Why = 'the email is malformed'; Category = 'InvalidArgument'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; Email = 'not-an-email' } }
        @{ Id = 'InvalidRole'; Why = 'the role is unknown'; Category = 'InvalidArgument'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; Role = 'BOSS' } }
        @{ Id = 'InvalidDisplayName'; Why = 'the display name is blank'; Category = 'InvalidArgument'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; DisplayName = '   ' } }
        @{ Id = 'InvalidDisplayName'; Why = 'the display name is too long'; Category = 'InvalidArgument'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; DisplayName = 'x' * 256 } }
        @{ Id = 'InvalidPassword'; Why = 'the password is too short'; Category = 'InvalidArgument'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; Password = (ConvertTo-SecureString 'short' -AsPlainText -Force) } }
        @{ Id = 'InvalidPassword'; Why = 'the password is longer than bcrypt reads'; Category = 'InvalidArgument'; Splat = @{ Identity = '08d281be-572e-4590-ab5a-199793077bf7'; Password = (ConvertTo-SecureString ('Пароль' * 7) -AsPlainText -Force) } }
    ) {
        $digest = Get-UsersDigest
        $count = Get-AuditCount
        $err = { Set-ScorecardUser @Splat -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be "$Id,SalesScorecard.PowerShell.SetScorecardUserCommand"
        $err.CategoryInfo.Category | Should -Be $Category
        Get-UsersDigest | Should -Be $digest
        Get-AuditCount | Should -Be $count
    }

    It 'says where the user really is when the company does not match' {
        $err = { Set-ScorecardUser -Identity $SeedUser -CompanyId company_instorm -DisplayName X -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match "belongs to company 'company_metro'"
    }

    It 'fails with EmailAlreadyInUse naming the other user and company, across companies' {
        $other = Invoke-TestSql -Database $Database -Sql "SELECT id, email FROM users WHERE ""companyId"" = 'company_instorm' ORDER BY id LIMIT 1"
        $digest = Get-UsersDigest
        $err = { Set-ScorecardUser -Identity $SeedUser -Email $other.email.ToUpperInvariant() -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'EmailAlreadyInUse,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -Match ([regex]::Escape($other.id))
        $err.Exception.Message | Should -Match 'company_instorm'
        Get-UsersDigest | Should -Be $digest
    }

    It 'rolls the audit row back with a failed update' {
        # A trigger that fails after the audit insert would have run proves both are in one transaction.
        Invoke-TestSql -Database $Database -Sql @'
CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
CREATE TRIGGER fail_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION fail_audit();
'@ | Out-Null
        try {
            $digest = Get-UsersDigest
            { Set-ScorecardUser -Identity $SeedUser -DisplayName 'Never Saved' -ErrorAction Stop } | Should -Throw
            Get-UsersDigest | Should -Be $digest
        } finally {
            Invoke-TestSql -Database $Database -Sql 'DROP TRIGGER fail_audit ON audit_logs; DROP FUNCTION fail_audit();' | Out-Null
        }
    }

    It 'leaves a user of the other company untouched by a company_metro-scoped pipeline' {
        $instorm = Get-InstormUserId
        $before = Get-UserRow $instorm
        [pscustomobject]@{ Id = $instorm; CompanyId = 'company_metro'; DisplayName = 'Hijacked' } |
            Set-ScorecardUser -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'UserNotInCompany,*'
        (Get-UserRow $instorm).displayName | Should -Be $before.displayName
    }

    It 'takes a CSV with a bad row in the middle: the others are saved, the bad one reported' {
        $ids = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 3 OFFSET 10").id
        $csv = Join-Path $Root 'users.csv'
        @(
            [pscustomobject]@{ Id = $ids[0]; DisplayName = 'Csv One'; Role = 'salesperson'; Active = 'false'; Email = '' }
            [pscustomobject]@{ Id = $ids[1]; DisplayName = 'Csv Two'; Role = 'NOT_A_ROLE'; Active = ''; Email = '' }
            [pscustomobject]@{ Id = $ids[2]; DisplayName = 'Csv Three'; Role = ''; Active = 'yes'; Email = '' }
        ) | Export-Csv -Path $csv -NoTypeInformation
        $before = Get-UserRow $ids[1]
        $saved = Import-Csv $csv | Set-ScorecardUser -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue
        @($saved).Count | Should -Be 2
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRole,*'
        (Get-UserRow $ids[0]).displayName | Should -Be 'Csv One'
        (Get-UserRow $ids[0]).isActive | Should -BeFalse
        (Get-UserRow $ids[1]).displayName | Should -Be $before.displayName
        (Get-UserRow $ids[2]).displayName | Should -Be 'Csv Three'
        (Get-UserRow $ids[2]).isActive | Should -BeTrue
    }

    It 'deactivates every SALES_LEAD of a company from Get-ScorecardUser' {
        $leads = Get-ScorecardUser -Role SALES_LEAD -CompanyId company_instorm
        $leads | Should -Not -BeNullOrEmpty
        $leads | Set-ScorecardUser -Active $false
        @(Get-ScorecardUser -Role SALES_LEAD -CompanyId company_instorm) | Should -BeNullOrEmpty
        @(Get-ScorecardUser -Role SALES_LEAD -CompanyId company_instorm -IncludeInactive).Count | Should -Be @($leads).Count
    }
}

Describe 'Get-ScorecardUser' {
    It 'never returns the password hash' {
        $users = Get-ScorecardUser -CompanyId company_metro
        $users.Count | Should -BeGreaterThan 100
        ($users | ConvertTo-Json -Depth 3) | Should -Not -Match '\$2b\$10\$'
    }

    It 'matches -Name as a wildcard on display name or email, with LIKE''s own characters literal' {
        @(Get-ScorecardUser -Name '*Иван*').Count | Should -BeGreaterThan 0
        @(Get-ScorecardUser -Name '*@пример.бг').Count | Should -BeGreaterThan 0
        @(Get-ScorecardUser -Name '%') | Should -BeNullOrEmpty
    }

    It 'reports UserNotFound for an unknown identity' {
        Get-ScorecardUser -Identity 'nobody@nowhere.example' -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'UserNotFound,*'
    }

    It 'completes company ids from the database on Tab, and quietly nothing when it is unreachable' {
        $line = 'Get-ScorecardUser -CompanyId company_'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('company_instorm', 'company_metro')
        $unreachable = "Get-ScorecardUser -DatabaseUrl postgresql://u:p@127.0.0.1:$(Get-UnusedPort)/x -CompanyId company_"
        $watch = [Diagnostics.Stopwatch]::StartNew()
        (TabExpansion2 -inputScript $unreachable -cursorColumn $unreachable.Length).CompletionMatches.CompletionText | Should -Not -Contain 'company_metro'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'completes roles on Tab' {
        $completion = TabExpansion2 -inputScript 'Set-ScorecardUser -Role SALES_' -cursorColumn 'Set-ScorecardUser -Role SALES_'.Length
        $completion.CompletionMatches.CompletionText | Should -Be @('SALES_DIRECTOR', 'SALES_LEAD')
    }
}

Describe 'New-, Disable- and Enable-ScorecardUser' {
    It 'creates a user with a UUID, a generated password returned once, and an audit row' {
        $user = New-ScorecardUser -Email 'new.manager@metro.example' -DisplayName 'Нов Мениджър' -Role regional_sales_manager -CompanyId company_metro
        [guid]::Parse($user.Id) | Should -Not -BeNullOrEmpty
        $user.Role | Should -Be 'REGIONAL_SALES_MANAGER'
        $user.InitialPassword | Should -BeOfType [securestring]
        $plain = [Net.NetworkCredential]::new('', $user.InitialPassword).Password
        $plain.Length | Should -Be 20
        Test-BcryptPassword $plain (Get-UserRow $user.Id).password | Should -BeTrue
        (Invoke-TestSql -Database $Database -Sql "SELECT count(*) AS n FROM audit_logs WHERE action = 'USER_CREATED' AND ""entityId"" = '$($user.Id)'").n | Should -Be 1
        (Get-ScorecardUser -Identity $user.Id).InitialPassword | Should -BeNullOrEmpty
    }

    It 'fails with CompanyNotFound for an unknown company, and EmailAlreadyInUse for a taken email' {
        $digest = Get-UsersDigest
        $err = { New-ScorecardUser -Email 'x@metro.example' -DisplayName X -Role ADMIN -CompanyId company_nowhere -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'CompanyNotFound,*'
        $err = { New-ScorecardUser -Email 'SUPER.ADMIN@scorecard.example' -DisplayName X -Role ADMIN -CompanyId company_metro -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'EmailAlreadyInUse,*'
        Get-UsersDigest | Should -Be $digest
    }

    It 'disables and enables a user, audited, the app''s soft delete' {
        $id = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""isActive"" AND ""companyId"" = 'company_metro' ORDER BY id DESC LIMIT 1").id
        (Disable-ScorecardUser -Identity $id -CompanyId company_metro -PassThru).IsActive | Should -BeFalse
        (Get-UserRow $id).isActive | Should -BeFalse
        (Enable-ScorecardUser -Identity $id -PassThru).IsActive | Should -BeTrue
        $actions = (Invoke-TestSql -Database $Database -Sql "SELECT action FROM audit_logs WHERE ""entityId"" = '$id' ORDER BY ""createdAt""").action
        $actions | Should -Contain 'USER_DISABLED'
        $actions | Should -Contain 'USER_ENABLED'
    }

    It 'fails the whole pipeline at once when the database is unreachable' {
        $err = { Get-ScorecardUser -DatabaseUrl "postgresql://u:NotUsed42@127.0.0.1:$(Get-UnusedPort)/x" -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseUnreachable,*'
    }
}

Describe 'The last active SUPER_ADMIN' {
    BeforeAll {
        $script:Lonely = New-TestDatabase
        $script:LonelyUrl = Get-TestDatabaseUrl $Lonely
        # One SUPER_ADMIN left, as a small company's database may well be.
        Invoke-TestSql -Database $Lonely -Sql "UPDATE users SET role = 'ADMIN' WHERE role = 'SUPER_ADMIN' AND id <> (SELECT min(id) FROM users WHERE role = 'SUPER_ADMIN')" | Out-Null
        $script:Only = (Invoke-TestSql -Database $Lonely -Sql "SELECT id, email FROM users WHERE role = 'SUPER_ADMIN'")
        Invoke-TestSql -Database $Lonely -Sql "UPDATE users SET ""isActive"" = true WHERE id = '$($Only.id)'" | Out-Null
        function Get-LonelyRow { Invoke-TestSql -Database $Lonely -Sql "SELECT role, ""isActive"" FROM users WHERE id = '$($Only.id)'" }
    }

    AfterAll { Remove-TestDatabase $Lonely }

    It 'refuses to disable or demote them, with LastSuperAdmin naming the consequence, and changes nothing' {
        Disable-ScorecardUser -Identity $Only.id -DatabaseUrl $LonelyUrl -Confirm:$false -ErrorVariable disabled -ErrorAction SilentlyContinue
        Set-ScorecardUser -Identity $Only.id -Role ADMIN -DatabaseUrl $LonelyUrl -Confirm:$false -ErrorVariable demoted -ErrorAction SilentlyContinue
        foreach ($failure in $disabled[0], $demoted[0]) {
            $failure.FullyQualifiedErrorId | Should -BeLike 'LastSuperAdmin,*'
            $failure.Exception.Message | Should -Match 'nobody who may manage companies, users and roles'
        }
        $row = Get-LonelyRow
        $row.role | Should -Be 'SUPER_ADMIN'
        $row.isActive | Should -BeTrue
    }

    It 'lets the role be written in the app''s case, and counts no SUPER_ADMIN who cannot sign in' {
        Invoke-TestSql -Database $Lonely -Sql "UPDATE users SET role = 'super_admin' WHERE id = '$($Only.id)'" | Out-Null
        (Set-ScorecardUser -Identity $Only.id -Role SUPER_ADMIN -DatabaseUrl $LonelyUrl -Confirm:$false -PassThru -ErrorAction Stop).Role | Should -Be 'SUPER_ADMIN'
        $waiting = (Invoke-TestSql -Database $Lonely -Sql "SELECT id FROM users WHERE id <> '$($Only.id)' ORDER BY id LIMIT 1").id
        Invoke-TestSql -Database $Lonely -Sql "UPDATE users SET role = 'SUPER_ADMIN', ""isActive"" = NULL WHERE id = '$waiting'" | Out-Null
        try {
            Disable-ScorecardUser -Identity $Only.id -DatabaseUrl $LonelyUrl -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'LastSuperAdmin,*' -Because 'a NULL isActive cannot sign in until the app restarts'
        } finally {
            Invoke-TestSql -Database $Lonely -Sql "UPDATE users SET role = 'ADMIN', ""isActive"" = true WHERE id = '$waiting'" | Out-Null
        }
    }

    It 'lets another SUPER_ADMIN take over first, or -Force do it' {
        Set-ScorecardUser -Identity $Only.id -DisplayName 'Still the only one' -DatabaseUrl $LonelyUrl -Confirm:$false -ErrorAction Stop
        Disable-ScorecardUser -Identity $Only.id -DatabaseUrl $LonelyUrl -Force -Confirm:$false -ErrorAction Stop
        (Get-LonelyRow).isActive | Should -BeFalse
    }
}
