"""execution: step journal, wave lock, runbook versions, run policy and counts

Revision ID: 5b2f0c9d7a31
Revises: 1e808258f4bd
Create Date: 2026-12-02 12:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '5b2f0c9d7a31'
down_revision = '1e808258f4bd'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wave_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_failure', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default='rollback-workload'))
        batch_op.add_column(sa.Column('max_failures', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('runbook_version', sa.Integer(), nullable=False, server_default='1'))
        for name in ('workloads', 'migrated', 'failed', 'rolled_back'):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    op.create_table('wave_lock',
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['wave_run.id'], ),
    sa.ForeignKeyConstraint(['wave_id'], ['wave.id'], ),
    sa.PrimaryKeyConstraint('wave_id')
    )
    op.create_table('step_journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('step_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('resources', sa.JSON(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['wave_run.id'], ),
    sa.ForeignKeyConstraint(['system_id'], ['system.id'], ),
    sa.ForeignKeyConstraint(['wave_id'], ['wave.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('step_journal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_journal_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_step_journal_wave_system_step', ['wave_id', 'system_id', 'step_key'], unique=False)
    op.create_table('runbook_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('edits', sa.JSON(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['wave_id'], ['wave.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('wave_id', 'version', name='uq_runbook_version_wave_version')
    )
    with op.batch_alter_table('runbook_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runbook_version_wave_id'), ['wave_id'], unique=False)


def downgrade() -> None:
    op.drop_table('runbook_version')
    op.drop_table('step_journal')
    op.drop_table('wave_lock')
    with op.batch_alter_table('wave_run', schema=None) as batch_op:
        for name in ('rolled_back', 'failed', 'migrated', 'workloads', 'runbook_version', 'max_failures',
                     'on_failure'):
            batch_op.drop_column(name)
