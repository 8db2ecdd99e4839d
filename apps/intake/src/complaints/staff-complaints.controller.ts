import { Body, Controller, Get, Param, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Allow, AuthenticatedRequest, seesPersonalData, StaffAuditTrail, UuidParameterPipe } from '@complaints/platform';
import { StaffComplaintView } from './complaint-acknowledgement';
import { ComplaintIntake } from './complaint-intake.service';
import { ChangeRegulatorDeadlineDto, RegulatorDeadlineChange, RegulatorDeadlineHistory, RegulatorDeadlines } from './regulator-deadline';

@ApiTags('complaints (staff)')
@Controller('v1/staff/complaints')
export class StaffComplaintsController {
  constructor(
    private readonly intake: ComplaintIntake,
    private readonly dataSource: DataSource,
    private readonly audit: StaffAuditTrail,
    private readonly regulatorDeadlines: RegulatorDeadlines,
  ) {}

  @Get(':complaintId')
  @Allow('triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'The complaint as filed; personal data in clear only for investigators and compliance officers' })
  @ApiResponse({ status: 200, type: StaffComplaintView })
  async view(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest): Promise<StaffComplaintView> {
    const view = await this.intake.staffView(complaintId, request.principal!);
    // On the record before it is shown: who looked at whose personal data.
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, request, complaintId, 'complaint.viewed', { personalData: seesPersonalData(request.principal) ? 'clear' : 'masked' }),
    );
    return view;
  }

  @Get(':complaintId/regulator-deadline')
  @Allow('compliance-officer', 'triage-officer', 'investigator', 'auditor')
  @ApiOperation({
    summary: "The regulator's deadline of a referral now, and every change recorded to it with its reference, who and when, and the officer's reason",
    description: 'The reasons are as written for investigators and compliance officers, with the customer\'s details taken out for other roles. The reading is recorded as a staff action.',
  })
  @ApiResponse({ status: 200, type: RegulatorDeadlineHistory })
  @ApiResponse({ status: 404, description: 'No such complaint' })
  @ApiResponse({ status: 409, description: 'Not a regulator referral' })
  regulatorDeadlineHistory(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest): Promise<RegulatorDeadlineHistory> {
    return this.regulatorDeadlines.history(complaintId, request);
  }

  @Put(':complaintId/regulator-deadline')
  @Allow('compliance-officer', 'triage-officer')
  @ApiOperation({
    summary: "Record that the regulator moved the deadline of its referral (more time granted, or less), with the regulator's reference for the change",
    description:
      'Publishes complaint.referral-deadline-changed; triage binds the due date to the new deadline when it is the earlier and tells intake and investigation. ' +
      'The same change again (same deadline and reference) records and publishes nothing.',
  })
  @ApiResponse({ status: 200, type: RegulatorDeadlineChange })
  @ApiResponse({ status: 404, description: 'No such complaint' })
  @ApiResponse({ status: 409, description: 'Not a regulator referral, withdrawn or closed, or already due by that deadline' })
  changeRegulatorDeadline(
    @Param('complaintId', UuidParameterPipe) complaintId: string,
    @Body() dto: ChangeRegulatorDeadlineDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<RegulatorDeadlineChange> {
    return this.regulatorDeadlines.change(complaintId, dto, request);
  }
}
