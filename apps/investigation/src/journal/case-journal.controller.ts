import { Body, Controller, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { assertActionAllowed, CaseTransitionError } from '@complaints/domain';
import { Allow, AuthenticatedRequest, FieldCipher, UuidParameterPipe } from '@complaints/platform';
import { CaseWorkflow } from '../cases/case-workflow';
import { FIELD_CIPHER } from './field-cipher.token';
import { assertDepartmentMayHelp } from './helping-department';

export const CONTACT_CHANNELS = ['phone', 'sms', 'email', 'wechat', 'in-person', 'letter', 'app'] as const;
export const CONTACT_OUTCOMES = ['reached', 'no-answer', 'left-message', 'information-received', 'explained', 'customer-accepted', 'customer-disagreed', 'call-back-requested'] as const;

/** Who logs contacts or adds notes on any case; department staff only on the cases their department helps with. */
const CONTACT_WRITERS = ['investigator'] as const;
const NOTE_WRITERS = ['investigator', 'approver'] as const;

export class ContactDto {
  @ApiProperty({ enum: ['inbound', 'outbound'] })
  @IsIn(['inbound', 'outbound'])
  direction!: 'inbound' | 'outbound';

  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel!: (typeof CONTACT_CHANNELS)[number];

  @ApiProperty({ enum: CONTACT_OUTCOMES })
  @IsIn(CONTACT_OUTCOMES)
  outcome!: (typeof CONTACT_OUTCOMES)[number];

  @ApiProperty({ description: 'What was said; kept sealed, shown only to roles that need it' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  summary!: string;

  @ApiPropertyOptional({ description: 'When it happened, if not now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}

export class NoteDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  body!: string;
}

/**
 * Every call or message with the customer and its outcome, and the handlers' internal notes. Both
 * quote the customer, so they are sealed at rest; the archive gets the staff action, not the text.
 */
@ApiTags('cases')
@Controller('v1/cases/:caseId')
export class CaseJournalController {
  constructor(
    private readonly workflow: CaseWorkflow,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  @Post('contacts')
  @Allow(...CONTACT_WRITERS, 'department-staff')
  @ApiOperation({ summary: 'Log a contact with the customer and its outcome' })
  logContact(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ContactDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.contact-logged', async (ctx) => {
      await assertDepartmentMayHelp(ctx.manager, ctx.found, request.principal!, CONTACT_WRITERS);
      assertActionAllowed(ctx.found.status, 'log-contact');
      const at = dto.at ? new Date(dto.at) : ctx.now;
      if (at.getTime() > ctx.now.getTime() + 60_000) throw new CaseTransitionError('invalid', ctx.found.status, 'log-contact', 'a contact cannot be logged in the future');
      const id = randomUUID();
      await ctx.manager.query(
        `INSERT INTO case_contacts (id, case_id, at, direction, channel, outcome, summary_sealed, logged_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, caseId, at, dto.direction, dto.channel, dto.outcome, this.cipher.encrypt(dto.summary), ctx.actor],
      );
      return { audit: { contactId: id, channel: dto.channel, outcome: dto.outcome }, result: { id, caseId, at: at.toISOString(), direction: dto.direction, channel: dto.channel, outcome: dto.outcome } };
    });
  }

  @Post('notes')
  @Allow(...NOTE_WRITERS, 'department-staff')
  @ApiOperation({ summary: 'Add an internal note (never shown to the customer)' })
  addNote(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: NoteDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.note-added', async (ctx) => {
      await assertDepartmentMayHelp(ctx.manager, ctx.found, request.principal!, NOTE_WRITERS);
      assertActionAllowed(ctx.found.status, 'add-note');
      const id = randomUUID();
      await ctx.manager.query(`INSERT INTO case_notes (id, case_id, at, author, body_sealed) VALUES ($1, $2, $3, $4, $5)`, [id, caseId, ctx.now, ctx.actor, this.cipher.encrypt(dto.body)]);
      return { audit: { noteId: id }, result: { id, caseId, at: ctx.now.toISOString() } };
    });
  }
}
